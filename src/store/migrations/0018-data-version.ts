import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * A data version PostgreSQL can answer with one primary-key read: the `data_version` row, bumped
 * at the commit of every transaction that writes any table (a deferred trigger on each), so the
 * hot reads a server keeps in memory are checked against it per request and dropped the moment
 * anything committed, by any server (`Store.dataVersion`). SQLite has `PRAGMA data_version` and
 * gets nothing. The SQL comes from the dialect and is part of this migration: a later migration
 * that creates a table runs `dialect.countCommitsStatements(table)` for it.
 */
export const dataVersion: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    for (const statement of dialect.dataVersionStatements()) {
      await sql.raw(statement).execute(db);
    }
  },
});
