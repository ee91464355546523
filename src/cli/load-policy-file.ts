import { readFile } from 'node:fs/promises';
import { ClearanceError, type Policy, type Problem } from '../domain/index.js';
import { parsePolicy } from '../policy/index.js';

export interface LoadedPolicy {
  file: string;
  text: string;
  policy: Policy;
  digest: string;
  warnings: Problem[];
}

/** Reads and validates a policy file; every problem is reported at once. */
export async function loadPolicyFile(file: string): Promise<LoadedPolicy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ClearanceError('invalid_input', `Cannot read policy file ${file}.`, {
      cause,
      problems: [
        { message: 'The file does not exist or is not readable.', fix: 'Check the path.' },
      ],
    });
  }
  const result = parsePolicy(text, file);
  if (!result.ok) {
    const count = result.problems.length;
    throw new ClearanceError(
      'invalid_policy',
      `Policy ${file} has ${count} problem${count === 1 ? '' : 's'}.`,
      { problems: result.problems },
    );
  }
  return { file, text, policy: result.policy, digest: result.digest, warnings: result.warnings };
}
