/** Reads a small JSON evidence file as text plus its parsed (still `unknown`) value. */
import { evidenceFormatLimits, sizeProblem } from '../domain/index.js';
import { evidenceError } from './evidence-error.js';
import { diskEvidenceFiles, type EvidenceFiles } from './evidence-files.js';
import { parseJsonText } from './parse-json-text.js';

/** Refuses, without reading it, a file over `evidenceFormatLimits.maxJsonBytes`. */
export async function readJsonFile(
  path: string,
  files: EvidenceFiles = diskEvidenceFiles,
): Promise<{ text: string; value: unknown }> {
  const size = await files.size(path);
  if (size > evidenceFormatLimits.maxJsonBytes) {
    const problem = sizeProblem('the file', size, evidenceFormatLimits.maxJsonBytes);
    throw evidenceError({ file: path }, problem.message, problem.fix);
  }
  const text = await files.readText(path);
  return { text, value: parseJsonText(text, path) };
}
