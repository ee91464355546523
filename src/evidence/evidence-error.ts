/** One place that turns a located problem into the `invalid_evidence` refusal every reader throws. */
import {
  ClearanceError,
  formatProblem,
  type Problem,
  type SourceLocation,
} from '../domain/index.js';

function evidenceProblem(location: SourceLocation, message: string, fix: string): Problem {
  return { location, message, fix };
}

/** The message repeats file, row/line and column so a CLI user sees them without the problems list. */
export function evidenceError(
  location: SourceLocation,
  message: string,
  fix: string,
  cause?: unknown,
): ClearanceError {
  const problem = evidenceProblem(location, message, fix);
  return new ClearanceError('invalid_evidence', formatProblem(problem), {
    problems: [problem],
    cause,
  });
}

/** Quotes a cell for a message, cut short so a megabyte-long field cannot flood a terminal. */
export function quoteCell(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(short);
}
