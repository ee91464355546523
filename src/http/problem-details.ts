/**
 * RFC 9457 problem details, and the one table from error code to HTTP status
 * (docs/reference/errors.md). Refusals keep their code; Fastify's own refusals (body too large,
 * unsupported media type, schema validation) get codes of their own; bugs answer 500 with an
 * error id and no internals.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, isClearanceError, type Problem } from '../domain/index.js';

export type ProblemCode =
  | ErrorCode
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'route_not_found'
  | 'request_timeout'
  | 'uri_too_long'
  | 'too_many_requests'
  | 'header_too_large'
  | 'internal';

/** The one place an error code becomes an HTTP status. */
export const problemStatus: Readonly<Record<ProblemCode, number>> = {
  invalid_input: 400,
  invalid_policy: 422,
  invalid_evidence: 422,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  unauthenticated: 401,
  precondition_failed: 412,
  audit_unavailable: 503,
  quota_exceeded: 429,
  busy: 503,
  body_too_large: 413,
  unsupported_media_type: 415,
  route_not_found: 404,
  request_timeout: 408,
  uri_too_long: 414,
  too_many_requests: 429,
  header_too_large: 431,
  internal: 500,
};

const titles: Readonly<Record<ProblemCode, string>> = {
  invalid_input: 'Invalid input',
  invalid_policy: 'Invalid policy',
  invalid_evidence: 'Invalid evidence',
  not_found: 'Not found',
  conflict: 'Conflict',
  forbidden: 'Forbidden',
  unauthenticated: 'Unauthenticated',
  precondition_failed: 'Precondition failed',
  audit_unavailable: 'Audit log unavailable',
  quota_exceeded: 'Upload quota exceeded',
  busy: 'Server busy',
  body_too_large: 'Request body too large',
  unsupported_media_type: 'Unsupported media type',
  route_not_found: 'Route not found',
  request_timeout: 'Request timeout',
  uri_too_long: 'URI too long',
  too_many_requests: 'Too many requests',
  header_too_large: 'Request header fields too large',
  internal: 'Internal error',
};

/** Longest path parameter Fastify routes (its `maxParamLength`); longer answers 414. */
export const maxParamLength = 100;

export const problemTypeBase = 'https://clearance.dev/problems/';
export const problemContentType = 'application/problem+json';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ProblemCode;
  problems: Problem[];
  /** Only for `internal`: quote it to an operator, who finds the stack in the log. */
  errorId?: string;
}

export function problemDetails(input: {
  code: ProblemCode;
  detail: string;
  instance: string;
  problems?: readonly Problem[];
  errorId?: string;
}): ProblemDetails {
  return {
    type: `${problemTypeBase}${input.code}`,
    title: titles[input.code],
    status: problemStatus[input.code],
    detail: input.detail,
    instance: input.instance,
    code: input.code,
    problems: [...(input.problems ?? [])],
    ...(input.errorId ? { errorId: input.errorId } : {}),
  };
}

const defaultFixes = Object.fromEntries(
  Object.keys(problemStatus).map((code) => [code, 'Send a well-formed request.']),
) as Record<ProblemCode, string>;

/** Fastify's refusals before routing: malformed percent-encoding, an over-long parameter. */
const frameworkProblems: Readonly<
  Record<string, { code: ProblemCode; message: string; fix: string }>
> = {
  FST_ERR_BAD_URL: {
    code: 'invalid_input',
    message: 'The URL is not valid: a percent-encoded sequence is not UTF-8.',
    fix: 'Percent-encode path segments as UTF-8 (encodeURIComponent).',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    code: 'uri_too_long',
    message: `A path parameter is longer than ${maxParamLength} characters.`,
    fix: `Names, versions and ids are at most ${maxParamLength} characters.`,
  },
};

function fastifyProblem(
  error: FastifyError,
): { code: ProblemCode; detail: string; problems: Problem[] } | undefined {
  if (error.validation) {
    const where = error.validationContext ?? 'request';
    return {
      code: 'invalid_input',
      detail: `The ${where} does not match the schema.`,
      problems: error.validation.map((v) => ({
        message: `${where}${v.instancePath || ''} ${v.message ?? 'is invalid'}`.trim(),
        fix: 'See the request schema in /api/v1/openapi.json.',
      })),
    };
  }
  const framework = error.code === undefined ? undefined : frameworkProblems[error.code];
  if (framework) {
    const { code, message, fix } = framework;
    return { code, detail: message, problems: [{ message, fix }] };
  }
  const byStatus: Partial<Record<number, ProblemCode>> = {
    400: 'invalid_input',
    413: 'body_too_large',
    415: 'unsupported_media_type',
    429: 'too_many_requests',
  };
  const code = error.statusCode === undefined ? undefined : byStatus[error.statusCode];
  if (!code) return undefined;
  const fixes: Record<ProblemCode, string> = {
    ...defaultFixes,
    body_too_large: 'Send a smaller body, or raise bodyLimitBytes on the server.',
    unsupported_media_type:
      'Send application/json, or application/octet-stream for evidence uploads.',
    too_many_requests: 'Wait for the number of seconds in Retry-After, then use a valid token.',
  };
  return { code, detail: error.message, problems: [{ message: error.message, fix: fixes[code] }] };
}

/** The request path without its query string, which may hold what must not be echoed. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** Every refusal and bug as problem details; a bug is logged with its error id. */
export function problemOf(error: unknown, request: FastifyRequest): ProblemDetails {
  const instance = pathOf(request.url);
  if (isClearanceError(error)) {
    // A refusal's cause (a database driver's message, say) is for operators, never for clients.
    if (error.cause !== undefined)
      request.log.info({ err: error.cause, code: error.code }, 'refused');
    return problemDetails({
      code: error.code,
      detail: error.message,
      instance,
      problems: error.problems,
    });
  }
  const known = error instanceof Error ? fastifyProblem(error as FastifyError) : undefined;
  if (known) return problemDetails({ ...known, instance });
  const errorId = randomUUID();
  request.log.error({ err: error, errorId }, 'internal error');
  return problemDetails({
    code: 'internal',
    detail: `Internal error ${errorId}; the server log has the details.`,
    instance,
    errorId,
  });
}

/**
 * Seconds a client should wait before trying a refusal again (`Retry-After`), for the codes that
 * pass with time: a gate run refused while the queue is full waits for a run or two to finish.
 */
const retryAfterSeconds: Readonly<Partial<Record<ProblemCode, number>>> = { busy: 5 };

/** Fastify error handler: every refusal and bug becomes application/problem+json. */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const body = problemOf(error, request);
  const retryAfter = retryAfterSeconds[body.code];
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  return reply.code(body.status).type(problemContentType).send(body);
}
