/**
 * Where `Idempotency-Key` responses live, as the HTTP hooks see it. `inProcessIdempotency` keeps
 * them in this process (tests, a single server); `sharedIdempotency` keeps them in the store so
 * every server on the database replays them, and gives each request with a key a `claimingStore`
 * (idempotency-claims.ts), which claims the key inside the transaction that acts.
 */

import {
  IdempotencyCache,
  type IdempotencyLookup,
  type StoredResponse,
} from './idempotency-cache.js';
import { type ClaimScope, claimingStore } from './idempotency-claims.js';
import type { Clock, IdempotencyRecord, Store } from './ports.js';

/** Expired records deleted by one purge; a full slice means another purge at the next completion. */
const purgeSlice = 1_000;

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
  /**
   * Records the response of a request `begin` answered `new` for: a 2xx, or any response of a
   * request that acted (claimed the key with its action), so a retry never acts twice.
   */
  complete(request: IdempotentRequest, response: StoredResponse): Promise<void>;
  /** Releases the key of a request that failed without acting, so it may be retried. */
  abandon(request: IdempotentRequest): Promise<void>;
  /** What the store holds for the key now, if anything (a duplicate that lost a race asks). */
  recorded(request: IdempotentRequest): Promise<IdempotencyLookup | undefined>;
  /**
   * The store one request with a key runs its use case on, for its claim to be taken with its
   * action; `store` itself where claims are not kept in the database.
   */
  claiming(store: Store, scope: ClaimScope): Store;
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
    // Duplicates meet in this process's cache, which `begin` already consulted.
    recorded: async () => undefined,
    claiming: (store) => store,
  };
}

/**
 * Keys recorded in the store's `idempotency_keys`, shared by every server on the database; an
 * in-process cache still answers a duplicate arriving here while the first request runs.
 */
export function sharedIdempotency(deps: {
  store: Store;
  clock: Clock;
  ttlMs?: number;
}): IdempotencyStore {
  const ttlMs = deps.ttlMs ?? idempotencyTtlMs;
  const local = new IdempotencyCache({ ttlMs, now: () => deps.clock.now().getTime() });
  const cutoff = () => new Date(deps.clock.now().getTime() - ttlMs).toISOString();
  const recorded = async (scope: IdempotentRequest) => {
    const record = await deps.store.read((tx) => tx.idempotency.get(scope.key, scope.principalId));
    return record !== undefined && record.createdAt >= cutoff()
      ? lookupOf(record, scope)
      : undefined;
  };
  let lastPurge = Number.NEGATIVE_INFINITY;
  return {
    async begin(scope) {
      return (await recorded(scope)) ?? local.begin(scoped(scope), scope.fingerprint);
    },
    recorded,
    async complete(scope, response) {
      local.complete(scoped(scope), response);
      const now = deps.clock.now().getTime();
      // Expired records are purged at most once a minute per server, not on every request: the
      // sweep touches rows of other callers, and a claim of an expired key replaces it anyway.
      const purge = now - lastPurge >= 60_000;
      if (purge) lastPurge = now;
      await deps.store.transaction(async (tx) => {
        // A slice at a time: a backlog (the first purge after a restart, a shortened retention)
        // drains over the next completions instead of in one write held in memory (ADR 022).
        if (purge && (await tx.idempotency.purgeOlderThan(cutoff(), purgeSlice)) === purgeSlice)
          lastPurge = Number.NEGATIVE_INFINITY;
        if (await tx.idempotency.answer(scope.key, scope.principalId, response)) return;
        // No claim: the request wrote no audit entry. Another request's record stands if any.
        if ((await tx.idempotency.get(scope.key, scope.principalId)) !== undefined) return;
        await tx.idempotency.put({
          key: scope.key,
          principalId: scope.principalId,
          requestHash: scope.fingerprint,
          createdAt: deps.clock.now().toISOString(),
          response,
        });
      });
    },
    abandon: async (scope) => local.abandon(scoped(scope)),
    claiming: (store, scope) =>
      claimingStore(store, scope, { clock: deps.clock, retentionMs: ttlMs }),
  };
}

function lookupOf(record: IdempotencyRecord, scope: IdempotentRequest): IdempotencyLookup {
  if (record.requestHash !== scope.fingerprint) return { kind: 'mismatch' };
  if (record.response === undefined) return { kind: 'in_flight' };
  return { kind: 'replay', response: record.response };
}
