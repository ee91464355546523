import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * A change counter per model, kept by triggers on `versions` and `version_states`: every insert,
 * update or delete of a model's version rows adds to it in the same transaction, including
 * statements written by hand. Version pages are kept in memory filed under it (ADR 015), so a
 * page is re-read only when its model's versions changed. A model without a row has had no change
 * since this migration: its count is 0.
 */
export const versionChanges: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    await db.schema
      .createTable('version_changes')
      .addColumn('model', 'text', (col) => col.primaryKey().notNull())
      .addColumn('changes', 'integer', (col) => col.notNull())
      .execute();
    for (const table of ['versions', 'version_states']) {
      for (const statement of dialect.versionChangeStatements(table)) {
        await sql.raw(statement).execute(db);
      }
    }
  },
});
