import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * Every trigger of the earlier migrations fires in every session (ADR 027): the append-only
 * triggers (0002, 0005), the version change counts (0017), the data version (0018) and the
 * identity epoch (0019). PostgreSQL fires only triggers enabled ALWAYS in a session with
 * `session_replication_role = replica`, so until now such a session could rewrite the log and
 * delete a token that every server kept honouring from memory. SQLite has no such mode and gets
 * nothing. The SQL comes from the dialect and is part of this migration.
 */
export const triggersFireAlways: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    for (const statement of dialect.fireAlwaysStatements()) {
      await sql.raw(statement).execute(db);
    }
  },
});
