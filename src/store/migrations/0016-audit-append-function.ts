import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * What the dialect's one-statement audit append needs (ADR 016): on PostgreSQL the function
 * `clearance_append_audit_entry`; nothing on SQLite. No table changes.
 */
export const auditAppendFunction: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    for (const statement of dialect.auditAppendStatements()) await sql.raw(statement).execute(db);
  },
});
