/**
 * `Idempotency-Key` replay for creating POSTs, kept in process: an LRU map from key + principal
 * to the stored response for 24 hours. Several server processes behind one load balancer do not
 * share it; `sharedIdempotency` (idempotency-store.ts) records responses in the store for that
 * and uses this cache only to spot a duplicate arriving while the first request runs.
 * Only 2xx responses are stored: a refusal (say 412, approvals missing) can be retried with the
 * same key once the cause is fixed.
 */

export interface StoredResponse {
  status: number;
  contentType: string;
  body: string;
  location?: string;
}

interface Entry {
  fingerprint: string;
  expiresAt: number;
  /** Undefined while the first request is still running. */
  response?: StoredResponse;
}

export type IdempotencyLookup =
  | { kind: 'new' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'in_flight' }
  | { kind: 'mismatch' };

export interface IdempotencyCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export class IdempotencyCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: IdempotencyCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Claims `key` for a new request, or says how to answer a repeated one. */
  begin(key: string, fingerprint: string): IdempotencyLookup {
    const now = this.#now();
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt > now) {
      // Refresh recency: Map iteration order is insertion order, so re-insert to mark as used.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      if (entry.fingerprint !== fingerprint) return { kind: 'mismatch' };
      return entry.response ? { kind: 'replay', response: entry.response } : { kind: 'in_flight' };
    }
    this.#entries.delete(key);
    this.#entries.set(key, { fingerprint, expiresAt: now + this.#ttlMs });
    this.#evict();
    return { kind: 'new' };
  }

  complete(key: string, response: StoredResponse): void {
    const entry = this.#entries.get(key);
    if (entry) entry.response = response;
  }

  /** Releases a key whose request failed, so it may be retried. */
  abandon(key: string): void {
    const entry = this.#entries.get(key);
    if (entry && !entry.response) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  #evict(): void {
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) return;
      this.#entries.delete(oldest.value);
    }
  }
}
