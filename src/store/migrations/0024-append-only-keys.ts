import { sql } from 'kysely';
import { appendOnlyTables } from '../schema.js';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * The append-only tables (0002, and `audit_tree_nodes` of 0005) refuse an INSERT of a key they
 * already hold. SQLite's `INSERT OR REPLACE` deletes the row in the way without firing its DELETE
 * trigger, so until now it rewrote an entry that UPDATE and DELETE could not touch. SQLite: a
 * BEFORE INSERT trigger per table, which new databases get from the dialect's statements of 0002
 * and 0005 already (`create trigger if not exists`); PostgreSQL has no REPLACE and gets nothing.
 * The SQL comes from the dialect and is part of this migration.
 */
export const appendOnlyKeys: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    for (const table of [...appendOnlyTables, 'audit_tree_nodes']) {
      for (const statement of dialect.refuseExistingKeyStatements(table)) {
        await sql.raw(statement).execute(db);
      }
    }
  },
});
