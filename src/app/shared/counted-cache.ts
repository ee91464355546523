/**
 * Values kept in this process, each filed under a counter the database keeps beside what the
 * value was read from (a model's version-change count, `version_changes`, ADR 015): a kept value
 * is answered for as long as its counter has not moved, and read again once it has. Unlike
 * `readCache`, a commit elsewhere (another model, an audit entry) does not drop it.
 *
 * Checking costs one statement (the counter's row by its key), or none while the store's data
 * version (`Store.dataVersion`: SQLite's `PRAGMA data_version`, PostgreSQL's `data_version` row)
 * has not moved: a value confirmed while the data version answered `v` is still exact while it
 * answers `v`. Invalidation is exact, never by time.
 */
import { deepFreeze } from './deep-freeze.js';
import type { Store } from './ports.js';
import { weighedLru } from './weighed-lru.js';

/** Weight kept across every value, in the units of `weigh` (callers weigh bytes, ADR 025). */
const defaultCapacity = 32 * 1024 * 1024;

export interface CountedCache<V> {
  /**
   * The value under `key`: from memory if `count` still answers the counter it was read under,
   * else from `read`, which returns the value and the counter read in the same snapshot. A `read`
   * that throws (not found, bad input) keeps nothing.
   */
  get(input: {
    key: string;
    count: () => Promise<number>;
    read: () => Promise<{ count: number; value: V }>;
  }): Promise<V>;
  /**
   * As `get`, for a caller that has read the counter already (many keys' counters in one
   * statement): the kept value if it was read under `count`, else `read`'s, kept under the counter
   * `read` returns from its own snapshot (as `get` keeps it), so a key that changed between the
   * caller's count and its read is not read again next time.
   */
  getAt(input: {
    key: string;
    count: number;
    read: () => Promise<{ count: number; value: V }>;
  }): Promise<V>;
  /**
   * The value kept under `key` if it was read under `count`, without reading anything or waiting;
   * `undefined` otherwise (not counted as a miss: the caller goes on to `getAt`).
   */
  peekAt(key: string, count: number): V | undefined;
  stats(): { hits: number; misses: number; size: number; weight: number };
}

interface Entry<V> {
  value: V;
  count: number;
  /** The data version under which `count` was last found current, if the store tells it. */
  confirmedAt: number | undefined;
}

/**
 * Ordering keeps it exact under concurrency: the data version is read before the counter and
 * before the read's snapshot starts, so an entry is at least as new as the version it is
 * confirmed under. Kept values are frozen: every request shares them. Past `capacity` the least
 * recently used values are dropped; a value heavier than `capacity` alone is answered, not kept.
 */
export function countedCache<V extends object>(
  store: Pick<Store, 'dataVersion'>,
  options: { weigh: (value: V) => number; capacity?: number; maxEntries?: number },
): CountedCache<V> {
  const entries = weighedLru<Entry<V>>({
    maxBytes: options.capacity ?? defaultCapacity,
    ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }),
  });
  let hits = 0;
  let misses = 0;
  function hit(key: string, entry: Entry<V>): V {
    hits += 1;
    // Another request may have replaced the entry while this one awaited its count: the newer
    // entry stays (and its weight with it); this request still answers what it confirmed.
    if (entries.peek(key) === entry) entries.get(key);
    return entry.value;
  }
  /** Reads the value and keeps it under the counter read with it, confirmed at `confirmedAt`. */
  async function miss(
    key: string,
    read: () => Promise<{ count: number; value: V }>,
    confirmedAt: number | undefined,
  ): Promise<V> {
    misses += 1;
    const fresh = await read();
    const value = deepFreeze(fresh.value);
    entries.set(key, { value, count: fresh.count, confirmedAt }, Math.max(1, options.weigh(value)));
    return value;
  }
  return {
    async get({ key, count, read }) {
      const version = await store.dataVersion();
      const entry = entries.peek(key);
      if (entry !== undefined) {
        if (version !== undefined && entry.confirmedAt === version) return hit(key, entry);
        if ((await count()) === entry.count) {
          entry.confirmedAt = version;
          return hit(key, entry);
        }
      }
      return miss(key, read, version);
    },
    peekAt(key, count) {
      const entry = entries.peek(key);
      return entry !== undefined && entry.count === count ? hit(key, entry) : undefined;
    },
    async getAt({ key, count, read }) {
      const entry = entries.peek(key);
      if (entry !== undefined && entry.count === count) return hit(key, entry);
      // Not confirmed under any data version: the next `get` checks its counter.
      return miss(key, read, undefined);
    },
    stats: () => {
      const { size, bytes } = entries.stats();
      return { hits, misses, size, weight: bytes };
    },
  };
}
