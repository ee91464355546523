import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * The data version's bump (0018) counted a transaction once by the transaction-local setting
 * `clearance.commit_counted`, which any session may set first: its commit then left the data
 * version where it was, and every other server kept its caches (a revoked token up to the
 * principal cache's age; ADR 036's gap). The function now asks the `data_version` row instead,
 * whose `xmin` is this transaction's id once it bumped, which only a writer of the row can make
 * (ADR 043). New databases get the same function from 0018's statements; SQLite gets nothing.
 * The SQL comes from the dialect and is part of this migration.
 */
export const commitCountedByRowVersion: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    for (const statement of dialect.countCommitOnceStatements()) {
      await sql.raw(statement).execute(db);
    }
  },
});
