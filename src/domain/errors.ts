/**
 * Refusals are coded errors; expected outcomes (gate results, parse results) are values.
 * No HTTP status here: `http/` and `cli/` map codes to statuses and exit codes.
 */
export const errorCodes = [
  'invalid_input',
  'invalid_policy',
  'invalid_evidence',
  'not_found',
  'conflict',
  'forbidden',
  'unauthenticated',
  'precondition_failed',
  'audit_unavailable',
  'quota_exceeded',
  'busy',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** Where in a file a problem is: 1-based line and column, as editors show them. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
  /** A data row (1-based, header excluded) for tabular evidence. */
  row?: number;
  /** A column or field name. */
  field?: string;
}

export interface Problem {
  message: string;
  /** How to fix it, in one sentence. */
  fix?: string;
  location?: SourceLocation;
}

export class ClearanceError extends Error {
  readonly code: ErrorCode;
  readonly problems: readonly Problem[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { problems?: readonly Problem[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClearanceError';
    this.code = code;
    this.problems = options.problems ?? [];
  }
}

export function isClearanceError(value: unknown): value is ClearanceError {
  return value instanceof ClearanceError;
}

/** "file:line:column" or "file, row N, column C" — the prefix every evidence/policy message uses. */
export function formatLocation(location: SourceLocation): string {
  let text = location.file;
  if (location.row !== undefined) text += `, row ${location.row}`;
  if (location.line !== undefined) {
    text += `:${location.line}`;
    if (location.column !== undefined) text += `:${location.column}`;
  }
  if (location.field !== undefined) text += `, column "${location.field}"`;
  return text;
}

export function formatProblem(problem: Problem): string {
  const where = problem.location ? `${formatLocation(problem.location)}: ` : '';
  const fix = problem.fix ? ` ${problem.fix}` : '';
  return `${where}${problem.message}${fix}`;
}

/** Error factories: the refusals every use case raises, with a message and one fix. */
export function invalidInput(message: string, fix: string): ClearanceError {
  return new ClearanceError('invalid_input', message, { problems: [{ message, fix }] });
}

export function notFound(what: string, fix: string): ClearanceError {
  const message = `${what} does not exist.`;
  return new ClearanceError('not_found', message, { problems: [{ message, fix }] });
}

/** The refusal from a pure rule check, as a coded error. */
export function refusalError(refusal: {
  code: ErrorCode;
  message: string;
  fix: string;
}): ClearanceError {
  return new ClearanceError(refusal.code, refusal.message, {
    problems: [{ message: refusal.message, fix: refusal.fix }],
  });
}
