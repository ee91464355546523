import { readFile } from 'node:fs/promises';
import { invalidInput } from '../domain/index.js';

/**
 * A JSON file a flag names. A file that cannot be read keeps Node's error with its path
 * (report-error.ts says which file and the fix, exit 2); malformed JSON is bad input naming the
 * file and the flag.
 */
export async function readJsonFile(file: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    // Reading a directory fails on the descriptor, without the path: put it back.
    if (error instanceof Error && !('path' in error)) Object.assign(error, { path: file });
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidInput(
      `${file} (${flag}) is not valid JSON: ${error instanceof Error ? error.message : String(error)}.`,
      `Fix the JSON in ${file}.`,
    );
  }
}
