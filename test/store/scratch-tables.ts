/**
 * Tables of their own for the cases of a suite on a store dialect: an id per row, read back in
 * the order the rows were inserted, so a case sees what it committed and nothing of another's.
 */
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { postgresDialect } from '../../src/store/dialects/postgres-dialect.js';
import type { StoreDialect } from '../../src/store/dialects/store-dialect.js';
import type { Database } from '../../src/store/schema.js';
import { type FreshPostgres, freshPostgresDatabase } from './engines.js';

/**
 * A migrated PostgreSQL database of the suite's own and the store's dialect on it: opened before
 * the suite's cases, destroyed and dropped after them.
 */
export function postgresSuite(): { readonly dialect: StoreDialect; readonly url: string } {
  let database: FreshPostgres | undefined;
  let dialect: StoreDialect | undefined;
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    dialect = postgresDialect({ url: database.url });
  });
  afterAll(async () => {
    await dialect?.destroy();
    await database?.drop();
  });
  const opened = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('postgresSuite used outside its suite’s cases');
    return value;
  };
  return {
    get dialect() {
      return opened(dialect);
    },
    get url() {
      return opened(database).url;
    },
  };
}

export function scratchTables(dialect: () => StoreDialect, prefix: string) {
  let table = 0;
  return {
    /** A new, empty table (PostgreSQL: `n serial` keeps the insertion order). */
    async freshTable(): Promise<string> {
      table += 1;
      const name = `${prefix}_${table}`;
      await sql.raw(`create table ${name} (id text primary key, n serial)`).execute(dialect().db);
      return name;
    },
    insert: (db: Kysely<Database>, t: string, id: string) =>
      sql`insert into ${sql.table(t)} (id) values (${id})`.execute(db),
    /** The ids committed, in insertion order. */
    stored: async (t: string) =>
      (
        await sql<{ id: string }>`select id from ${sql.table(t)} order by n`.execute(dialect().db)
      ).rows.map((r) => r.id),
  };
}
