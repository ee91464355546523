import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * The runtime role may only read the counters the caches trust (ADR 036). The trigger functions
 * that move `data_version`, `version_changes` and `identity_epoch` (0017–0019) ran with the
 * rights of the role whose statement fired them, so that role needed UPDATE on the counter tables
 * and could move them by hand: rewind the identity epoch, or make every cache read again. They
 * now run with their owner's rights, and no other role may attach them to a table of its own.
 * The audit append function (0016) gets the trigger functions' search path (0021, 0023). New
 * databases get the same from the dialect's statements of the earlier migrations; SQLite gets
 * nothing. The SQL comes from the dialect and is part of this migration.
 */
export const counterFunctionsOwnerRights: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    for (const statement of dialect.ownerRightsStatements()) {
      await sql.raw(statement).execute(db);
    }
  },
});
