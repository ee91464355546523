export type { AuditUseCases, SignedCheckpointView } from './audit-use-cases.js';
export { bindUseCases } from './bind-use-cases.js';
export { buildServer, type HttpDeps, openApiInfo } from './build-server.js';
export {
  IdempotencyCache,
  type IdempotencyCacheOptions,
  type IdempotencyLookup,
  type StoredResponse,
} from './idempotency-cache.js';
export {
  type IdempotencyStore,
  type IdempotentRequest,
  idempotencyTtlMs,
  inProcessIdempotency,
  sharedIdempotency,
} from './idempotency-store.js';
export type {
  CreateTokenBody,
  CreateUserBody,
  IdentityUseCases,
  Me,
  RoleBody,
} from './identity-use-cases.js';
export type { BacktestBody, PackUseCases } from './pack-use-cases.js';
export {
  type ProblemCode,
  type ProblemDetails,
  problemDetails,
  problemStatus,
  problemTypeBase,
} from './problem-details.js';
export type {
  ApprovalBody,
  ApprovalOutcome,
  ExecuteOutcome,
  InboxItem,
  RegisterModelBody,
  RegisterVersionBody,
  ReplayOutcome,
  RequestDetail,
  RequestOutcome,
  RequestTransitionBody,
  UseCases,
} from './use-cases.js';
