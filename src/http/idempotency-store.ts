/**
 * Where `Idempotency-Key` responses live, as the HTTP hooks see it. `inProcessIdempotency` keeps
 * them in this process (tests, a single server); `sharedIdempotency` records them in the store so
 * every server on the database replays them.
 *
 * The shared record is written after the use case's transaction commits, once Fastify has
 * serialised the response: a crash (or a failed write) between that commit and the record means
 * a retry with the same key acts again. Writing it in the use case's own transaction would close
 * that window but needs the serialised response inside the use case; not worth it yet.
 *
 * Concurrent duplicates are refused with 409 only within one process: two servers receiving the
 * same key at the same moment both act (the second record write then conflicts and is dropped).
 */
import type { Clock, IdempotencyRecord, Store } from '../app/index.js';
import {
  IdempotencyCache,
  type IdempotencyLookup,
  type StoredResponse,
} from './idempotency-cache.js';

/** The caller's key, scoped to the caller (another principal's same key is another record). */
export interface IdempotentRequest {
  principalId: string;
  key: string;
  /** SHA-256 (hex) of method, URL and body. */
  fingerprint: string;
}

export interface IdempotencyStore {
  /** Claims the key for a new request, or says how to answer a repeated one. */
  begin(request: IdempotentRequest): Promise<IdempotencyLookup>;
  /** Records a 2xx response of a request `begin` answered `new` for. */
  complete(request: IdempotentRequest, response: StoredResponse): Promise<void>;
  /** Releases the key of a request that failed, so it may be retried. */
  abandon(request: IdempotentRequest): Promise<void>;
}

/** Retention of a stored response: a retry after a day acts again. */
export const idempotencyTtlMs = 24 * 60 * 60 * 1000;

const scoped = (scope: IdempotentRequest) => `${scope.principalId}\u0000${scope.key}`;

/** Responses kept in this process only (the default; several servers do not share it). */
export function inProcessIdempotency(cache = new IdempotencyCache()): IdempotencyStore {
  return {
    begin: async (request) => cache.begin(scoped(request), request.fingerprint),
    complete: async (request, response) => cache.complete(scoped(request), response),
    abandon: async (request) => cache.abandon(scoped(request)),
  };
}

/**
 * Responses recorded in the store's `idempotency_keys`, shared by every server on the database;
 * an in-process cache still detects a duplicate arriving while the first request runs here.
 */
export function sharedIdempotency(deps: {
  store: Store;
  clock: Clock;
  ttlMs?: number;
}): IdempotencyStore {
  const ttlMs = deps.ttlMs ?? idempotencyTtlMs;
  const local = new IdempotencyCache({ ttlMs, now: () => deps.clock.now().getTime() });
  const cutoff = () => new Date(deps.clock.now().getTime() - ttlMs).toISOString();
  return {
    async begin(scope) {
      const record = await deps.store.transaction((tx) =>
        tx.idempotency.get(scope.key, scope.principalId),
      );
      if (record !== undefined && record.createdAt >= cutoff()) {
        if (record.requestHash !== scope.fingerprint) return { kind: 'mismatch' };
        return { kind: 'replay', response: responseOf(record) };
      }
      return local.begin(scoped(scope), scope.fingerprint);
    },
    async complete(scope, response) {
      const record: IdempotencyRecord = {
        key: scope.key,
        principalId: scope.principalId,
        requestHash: scope.fingerprint,
        ...response,
        createdAt: deps.clock.now().toISOString(),
      };
      local.complete(scoped(scope), response);
      await deps.store.transaction(async (tx) => {
        // Expired records go first, so a key reused after the retention can be recorded again.
        await tx.idempotency.purgeOlderThan(cutoff());
        // Another server finished a concurrent duplicate first: its record stands.
        if ((await tx.idempotency.get(scope.key, scope.principalId)) !== undefined) return;
        await tx.idempotency.put(record);
      });
    },
    abandon: async (scope) => local.abandon(scoped(scope)),
  };
}

function responseOf(record: IdempotencyRecord): StoredResponse {
  return {
    status: record.status,
    contentType: record.contentType,
    body: record.body,
    ...(record.location === undefined ? {} : { location: record.location }),
  };
}
