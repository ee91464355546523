/**
 * MLflow's error format for the MLflow-compatible routes: `{ "error_code", "message" }` with the
 * HTTP status MLflow gives each code (mlflow/exceptions.py). Clearance's codes map onto MLflow's
 * in this one table; a governance refusal (`precondition_failed`) is PERMISSION_DENIED, which
 * MLflow's clients raise at once instead of retrying.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ProblemCode, problemOf } from './problem-details.js';

export type MlflowErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'BAD_REQUEST'
  | 'ENDPOINT_NOT_FOUND'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'NOT_IMPLEMENTED'
  | 'INTERNAL_ERROR';

/** MLflow's HTTP status of each code it defines. */
const mlflowStatus: Readonly<Record<MlflowErrorCode, number>> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  RESOURCE_ALREADY_EXISTS: 400,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  BAD_REQUEST: 400,
  ENDPOINT_NOT_FOUND: 404,
  REQUEST_LIMIT_EXCEEDED: 429,
  TEMPORARILY_UNAVAILABLE: 503,
  NOT_IMPLEMENTED: 501,
  INTERNAL_ERROR: 500,
};

const fromProblem: Readonly<Record<ProblemCode, MlflowErrorCode>> = {
  invalid_input: 'INVALID_PARAMETER_VALUE',
  invalid_policy: 'INVALID_PARAMETER_VALUE',
  invalid_evidence: 'INVALID_PARAMETER_VALUE',
  not_found: 'RESOURCE_DOES_NOT_EXIST',
  conflict: 'RESOURCE_ALREADY_EXISTS',
  forbidden: 'PERMISSION_DENIED',
  unauthenticated: 'UNAUTHENTICATED',
  precondition_failed: 'PERMISSION_DENIED',
  audit_unavailable: 'TEMPORARILY_UNAVAILABLE',
  quota_exceeded: 'REQUEST_LIMIT_EXCEEDED',
  busy: 'TEMPORARILY_UNAVAILABLE',
  body_too_large: 'BAD_REQUEST',
  unsupported_media_type: 'BAD_REQUEST',
  route_not_found: 'ENDPOINT_NOT_FOUND',
  request_timeout: 'TEMPORARILY_UNAVAILABLE',
  uri_too_long: 'BAD_REQUEST',
  too_many_requests: 'REQUEST_LIMIT_EXCEEDED',
  header_too_large: 'BAD_REQUEST',
  internal: 'INTERNAL_ERROR',
};

export function sendMlflowError(
  reply: FastifyReply,
  error: { error_code: MlflowErrorCode; message: string },
) {
  return reply.code(mlflowStatus[error.error_code]).type('application/json').send(error);
}

/** The MLflow routes' error handler: the problem's detail, then each problem and its fix. */
export function mlflowErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const problem = problemOf(error, request);
  const extra = problem.problems
    .map((p) => [p.message === problem.detail ? '' : p.message, p.fix ?? ''].join(' ').trim())
    .filter((line) => line !== '');
  const message = [problem.detail, ...extra].join(' ');
  return sendMlflowError(reply, { error_code: fromProblem[problem.code], message });
}
