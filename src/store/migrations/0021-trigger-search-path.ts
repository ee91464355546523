import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * Every trigger function of ours runs with the search path fixed to the schema the migrations
 * run in (ADR 027). Since 0020 the triggers fire in a logical replication apply worker too, whose
 * `search_path` is empty: the functions naming `data_version`, `version_changes` and
 * `identity_epoch` without a schema failed there. New databases get the same setting from the
 * dialect's statements of the earlier migrations; SQLite gets nothing. The SQL comes from the
 * dialect and is part of this migration.
 */
export const triggerSearchPath: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    for (const statement of dialect.searchPathStatements()) {
      await sql.raw(statement).execute(db);
    }
  },
});
