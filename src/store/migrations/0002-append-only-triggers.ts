import { sql } from 'kysely';
import { appendOnlyTables } from '../schema.js';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * The log and the immutable records refuse UPDATE and DELETE in the database itself, so a bug or
 * a hand-written statement cannot rewrite history. The trigger SQL comes from the dialect and is
 * part of this migration: change it only through a new migration.
 */
export const appendOnlyTriggers: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    for (const table of appendOnlyTables) {
      for (const statement of dialect.appendOnlyStatements(table)) {
        await sql.raw(statement).execute(db);
      }
    }
  },
});
