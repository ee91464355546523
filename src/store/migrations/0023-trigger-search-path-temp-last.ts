import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * Every trigger function of ours searches its schema and then `pg_temp`, explicitly last (ADR
 * 027). With the search path of 0021 (the schema alone) PostgreSQL still searched `pg_temp` first
 * for tables: a session that may create temporary tables made its own `identity_epoch`,
 * `data_version` or `version_changes`, and the triggers of its changes moved those instead of the
 * real ones, so every server kept honouring a token it had deleted. New databases get the same
 * setting from the dialect's statements of the earlier migrations; SQLite gets nothing. The SQL
 * comes from the dialect and is part of this migration.
 */
export const triggerSearchPathTempLast: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    for (const statement of dialect.searchPathStatements()) {
      await sql.raw(statement).execute(db);
    }
  },
});
