import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * The identity epoch moved by the database itself: triggers on `users`, `role_bindings` and
 * `api_tokens` bump it on every insert, update or delete, in the changing statement's
 * transaction. Until now only the repository bumped it, so a token revoked or a role removed by a
 * hand-written statement, a restore or another tool was honoured from a server's principal cache
 * until it restarted (ADR 023). The SQL comes from the dialect and is part of this migration.
 */
export const identityEpochTriggers: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    for (const table of ['users', 'role_bindings', 'api_tokens']) {
      for (const statement of dialect.identityEpochStatements(table)) {
        await sql.raw(statement).execute(db);
      }
    }
  },
});
