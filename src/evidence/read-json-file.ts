/** Reads a small JSON evidence file as text plus its parsed (still `unknown`) value. */
import { readFile } from 'node:fs/promises';
import { parseJsonText } from './parse-json-text.js';

export async function readJsonFile(path: string): Promise<{ text: string; value: unknown }> {
  const text = await readFile(path, 'utf8');
  return { text, value: parseJsonText(text, path) };
}
