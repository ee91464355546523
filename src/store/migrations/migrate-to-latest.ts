import { type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { StoreDialect } from '../dialects/store-dialect.js';
import { registrySchema } from './0001-registry-schema.js';
import { appendOnlyTriggers } from './0002-append-only-triggers.js';
import { identityColumns } from './0003-identity-columns.js';
import { idempotencyKeys } from './0004-idempotency-keys.js';
import { auditTreeNodes } from './0005-audit-tree-nodes.js';
import { auditActionIndex } from './0006-audit-action-index.js';
import { approvalBaseline } from './0007-approval-baseline.js';
import { blobUploads } from './0008-blob-uploads.js';
import { workQueue } from './0009-work-queue.js';
import { rollouts } from './0010-rollouts.js';
import { notifications } from './0011-notifications.js';
import { identityEpochAndVersionOrder } from './0012-identity-epoch-and-version-order.js';
import { mlflowMetadata } from './0013-mlflow-metadata.js';
import { boardIndexes } from './0014-board-indexes.js';
import { auditFilters } from './0015-audit-filters.js';
import { auditAppendFunction } from './0016-audit-append-function.js';
import { versionChanges } from './0017-version-changes.js';
import { dataVersion } from './0018-data-version.js';
import { identityEpochTriggers } from './0019-identity-epoch-triggers.js';
import { triggersFireAlways } from './0020-triggers-fire-always.js';
import { triggerSearchPath } from './0021-trigger-search-path.js';
import { governedPathIndexes } from './0022-governed-path-indexes.js';
import { triggerSearchPathTempLast } from './0023-trigger-search-path-temp-last.js';
import { appendOnlyKeys } from './0024-append-only-keys.js';
import { counterFunctionsOwnerRights } from './0025-counter-functions-owner-rights.js';
import { commitCountedByRowVersion } from './0026-commit-counted-by-row-version.js';
import { roleHolderIndex } from './0027-role-holder-index.js';
import { rolloutsByModel } from './0028-rollouts-by-model.js';
import { versionNumberingIndexes } from './0029-version-numbering-indexes.js';
import { metadataChangesCounted } from './0030-metadata-changes-counted.js';
import { uploadLedgerRunningTotals } from './0031-upload-ledger-running-totals.js';
import type { MigrationFactory } from './migration-context.js';

const migrations: Record<string, MigrationFactory> = {
  '0001-registry-schema': registrySchema,
  '0002-append-only-triggers': appendOnlyTriggers,
  '0003-identity-columns': identityColumns,
  '0004-idempotency-keys': idempotencyKeys,
  '0005-audit-tree-nodes': auditTreeNodes,
  '0006-audit-action-index': auditActionIndex,
  '0007-approval-baseline': approvalBaseline,
  '0008-blob-uploads': blobUploads,
  '0009-work-queue': workQueue,
  '0010-rollouts': rollouts,
  '0011-notifications': notifications,
  '0012-identity-epoch-and-version-order': identityEpochAndVersionOrder,
  '0013-mlflow-metadata': mlflowMetadata,
  '0014-board-indexes': boardIndexes,
  '0015-audit-filters': auditFilters,
  '0016-audit-append-function': auditAppendFunction,
  '0017-version-changes': versionChanges,
  '0018-data-version': dataVersion,
  '0019-identity-epoch-triggers': identityEpochTriggers,
  '0020-triggers-fire-always': triggersFireAlways,
  '0021-trigger-search-path': triggerSearchPath,
  '0022-governed-path-indexes': governedPathIndexes,
  '0023-trigger-search-path-temp-last': triggerSearchPathTempLast,
  '0024-append-only-keys': appendOnlyKeys,
  '0025-counter-functions-owner-rights': counterFunctionsOwnerRights,
  '0026-commit-counted-by-row-version': commitCountedByRowVersion,
  '0027-role-holder-index': roleHolderIndex,
  '0028-rollouts-by-model': rolloutsByModel,
  '0029-version-numbering-indexes': versionNumberingIndexes,
  '0030-metadata-changes-counted': metadataChangesCounted,
  '0031-upload-ledger-running-totals': uploadLedgerRunningTotals,
};

/** Migration names in order; a test template database is keyed by them. */
export const migrationNames: readonly string[] = Object.keys(migrations);

/**
 * `migration`, its `up` first taking the store's write lock (`migrationLockStatements`), so that
 * servers of the previous version still running write after the migration rather than deadlock
 * it by taking its tables in another order.
 */
function lockingWrites(dialect: StoreDialect, migration: Migration): Migration {
  return {
    ...migration,
    up: async (db) => {
      for (const statement of dialect.migrationLockStatements()) {
        await sql.raw(statement).execute(db);
      }
      await migration.up(db);
    },
  };
}

/**
 * Brings the schema up to date. Kysely's Migrator takes a lock first (an advisory lock on
 * PostgreSQL), so several servers starting together migrate once. Its tables live in the schema
 * the migrations run in (`migrationTableSchema`), so each Clearance of a database has its own.
 */
export async function migrateToLatest(dialect: StoreDialect): Promise<void> {
  const provider: MigrationProvider = {
    getMigrations: async () =>
      Object.fromEntries(
        Object.entries(migrations).map(([name, factory]): [string, Migration] => [
          name,
          lockingWrites(dialect, factory(dialect)),
        ]),
      ),
  };
  const { error, results } = await dialect.runExclusive(async () => {
    const schema = await dialect.migrationTableSchema();
    const migrator = new Migrator({
      db: dialect.db,
      provider,
      ...(schema === undefined ? {} : { migrationTableSchema: schema }),
    });
    return migrator.migrateToLatest();
  });
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new Error(
      `Migration ${failed ?? '(before any ran)'} failed on ${dialect.label}: ${String(error)}`,
      { cause: error },
    );
  }
}
