/**
 * Values read from the store, kept in this process while the store's data version says nothing
 * has been committed since they were read (`Store.dataVersion`: SQLite's `PRAGMA data_version`,
 * PostgreSQL's `data_version` row, one statement per turn of the event loop):
 * the hot reads (the serving view, one model, one version) answer from memory, and any commit, by
 * this server or another process on the same database, drops every entry before the next read.
 * Invalidation is exact, never by time: there is no window in which an old answer is served after
 * the change's transaction committed. An engine that cannot tell cheaply (`undefined`) is read
 * every time.
 */
import type { Model, ServingView, VersionView } from '../../domain/index.js';
import { type CountedCache, countedCache } from './counted-cache.js';
import { deepFreeze } from './deep-freeze.js';
import type { Store } from './ports.js';
import { approximateBytes, type WeighedLruLimits, weighedLru } from './weighed-lru.js';

/**
 * Per cache, past which the least recently used entries are dropped: 10,000 entries or 16 MiB of
 * kept values (`approximateBytes`), whichever comes first. A value over the bytes alone is
 * answered but not kept.
 */
const readCacheLimits = { maxEntries: 10_000, maxBytes: 16 * 1024 * 1024 } as const;

/**
 * The model list's bound: one entry of up to 64 MiB by the estimate, as much as the MLflow
 * summaries of every model may take (ADR 048): a registry of tens of thousands of models, or
 * thousands with MLflow-length descriptions. A larger list is read on every request, as before.
 */
const modelListLimits = { maxEntries: 1, maxBytes: 64 * 1024 * 1024 } as const;

/** The version pages' bound: 32 MiB across every kept page (ADR 025; ADR 015 counted versions). */
const versionPageBytes = 32 * 1024 * 1024;
/**
 * And by count, as before ADR 025: many tiny pages weigh little by the estimate but each costs a
 * Map entry, its frozen objects and its kept reply beside it.
 */
const versionPageEntries = 16_384;

export interface ReadCache<V> {
  /**
   * The value under `key`: from memory if read since the last commit, else from `read`. An
   * `undefined` answer (not found) is not kept: made-up names must not evict real entries.
   */
  get(key: string, read: () => Promise<V | undefined>): Promise<V | undefined>;
  stats(): { hits: number; misses: number; size: number; bytes: number };
}

/**
 * Ordering keeps it exact under concurrency: the version is read before the value, so a value is
 * at least as new as the version it is filed under; a read that finishes after another request
 * saw a newer version is returned but not kept. Kept values are frozen: every request shares them.
 *
 * Requests that miss the same key at the same version share one read: after a commit, concurrent
 * requests for the same value (a busy registry's searches, each re-reading the model list) wait
 * for the first one's read instead of each reading it. That read started after its request saw
 * the version, and every request sharing it saw the same version, so it is as new as each of them
 * needs. A failed read fails every request that shared it, as their own reads could have.
 */
export function readCache<V extends object>(
  store: Pick<Store, 'dataVersion'>,
  limits: WeighedLruLimits = readCacheLimits,
  /** A value's weight against `limits.maxBytes`, taken before it is frozen; `approximateBytes` by default. */
  weigh: (value: V) => number = approximateBytes,
): ReadCache<V> {
  const entries = weighedLru<V>(limits);
  /** Reads in flight, by key, with the version their first request saw. */
  const reading = new Map<string, { version: number; value: Promise<V | undefined> }>();
  let filedUnder: number | undefined;
  let hits = 0;
  let misses = 0;
  return {
    async get(key, read) {
      const version = await store.dataVersion();
      if (version === undefined) return read();
      if (version !== filedUnder) {
        entries.clear();
        filedUnder = version;
      }
      const cached = entries.get(key);
      if (cached !== undefined) {
        hits += 1;
        return cached;
      }
      misses += 1;
      const shared = reading.get(key);
      if (shared !== undefined && shared.version === version) return shared.value;
      const value = read().then((answer) => {
        if (answer !== undefined && filedUnder === version) {
          // Weighed first: a value over the bound is answered, not kept, and not frozen for
          // nothing.
          const bytes = weigh(answer);
          if (bytes <= limits.maxBytes) entries.set(key, deepFreeze(answer), bytes);
        }
        return answer;
      });
      reading.set(key, { version, value });
      try {
        return await value;
      } finally {
        if (reading.get(key)?.value === value) reading.delete(key);
      }
    },
    stats: () => ({ hits, misses, ...entries.stats() }),
  };
}

/** A page of a model's versions, and the `after` that asks for the next (absent at the end). */
export interface VersionPage {
  versions: VersionView[];
  next?: string;
}

/** The registry's hot reads (`compose.ts` builds one per process). */
export interface HotReads {
  /** By model name. */
  models: ReadCache<Model>;
  /**
   * Every model, under the one key `all` (`listModels`: the REST list, MLflow's registered-model
   * and all-model version searches, which read it on every request).
   */
  modelList: ReadCache<Model[]>;
  /** By `<model>\u0000<version>`. */
  versions: ReadCache<VersionView>;
  /** By model name: the serving view (production, canary, rollback target). */
  serving: ReadCache<ServingView>;
  /**
   * By `<model>\u0000<limit>\u0000<after>`: version lists and pages, kept by `countedCache`
   * under the model's version-change count, so commits to other models leave them in place.
   */
  versionPages: CountedCache<VersionPage>;
}

export function hotReads(store: Pick<Store, 'dataVersion'>): HotReads {
  return {
    models: readCache(store),
    modelList: readCache(store, modelListLimits),
    versions: readCache(store),
    serving: readCache(store),
    versionPages: countedCache<VersionPage>(store, {
      weigh: approximateBytes,
      capacity: versionPageBytes,
      maxEntries: versionPageEntries,
    }),
  };
}
