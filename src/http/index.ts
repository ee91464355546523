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
export {
  type ProblemCode,
  type ProblemDetails,
  problemDetails,
  problemStatus,
  problemTypeBase,
} from './problem-details.js';
