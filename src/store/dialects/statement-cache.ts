import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely';

/** How many prepared statements one connection keeps; the app issues far fewer distinct ones. */
const defaultStatementCacheSize = 256;

interface StatementCacheStats {
  hits: number;
  misses: number;
  size: number;
}

/**
 * `database` as Kysely's SQLite driver sees it, with prepared statements kept by SQL text in a
 * bounded LRU. Kysely compiles each query to the same text every time (parameters are bound, not
 * inlined), and better-sqlite3's `prepare` parses and plans it again on every call: a large
 * share of a simple read's CPU. A statement is reusable once its last run has finished, which
 * Kysely guarantees except while a streamed query's iterator is open: a busy statement is not
 * shared, the caller gets a fresh one. SQLite re-prepares a cached statement itself when the
 * schema changes under it (migrations), so a cached statement never runs against a stale plan.
 */
export function cachingStatements(
  database: SqliteDatabase,
  capacity = defaultStatementCacheSize,
): KyselySqliteDatabase & { stats(): StatementCacheStats } {
  const cache = new Map<string, Statement>();
  let hits = 0;
  let misses = 0;
  return {
    prepare(sql) {
      const cached = cache.get(sql);
      if (cached !== undefined && !cached.busy) {
        hits += 1;
        // Most recently used moves to the end; the first key is the one to evict.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      misses += 1;
      const statement = database.prepare(sql);
      if (cached === undefined) {
        cache.set(sql, statement);
        if (cache.size > capacity) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      return statement;
    },
    close() {
      cache.clear();
      database.close();
    },
    stats: () => ({ hits, misses, size: cache.size }),
  };
}
