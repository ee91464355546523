import { randomUUID } from 'node:crypto';
import { formatProblem, isClearanceError } from '../domain/index.js';
import { exitCodeFor, exitCodes } from './exit-codes.js';

/** Prints an error the way a person can act on it and returns the exit code. */
export function reportError(
  error: unknown,
  stderr: NodeJS.WritableStream = process.stderr,
): number {
  if (isClearanceError(error)) {
    stderr.write(`error: ${error.message}\n`);
    for (const problem of error.problems) {
      const line = formatProblem(problem);
      // Readers often put the single problem in the message too; say it once.
      if (line !== error.message) stderr.write(`  - ${line}\n`);
    }
    return exitCodeFor(error.code);
  }
  // A bug: say so plainly, with an id to find it in logs, without internals on stdout.
  const id = randomUUID().slice(0, 8);
  stderr.write(`internal error ${id}: ${error instanceof Error ? error.message : String(error)}\n`);
  if (error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  return exitCodes.internal;
}
