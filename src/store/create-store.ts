import type { Repositories, Store } from '../app/ports.js';
import { ClearanceError, isClearanceError } from '../domain/index.js';
import type { RepositoryContext } from './columns.js';
import { openDialect, type StoreConfig } from './dialects/open-dialect.js';
import type { StoreDialect } from './dialects/store-dialect.js';
import { migrateToLatest } from './migrations/migrate-to-latest.js';
import { pendingRequestsReadModel } from './read-models/pending-requests.js';
import { approvalRepository } from './repositories/approval-repository.js';
import { auditRepository, checkpointRepository } from './repositories/audit-repository.js';
import { decisionRepository } from './repositories/decision-repository.js';
import { evidenceRepository } from './repositories/evidence-repository.js';
import { idempotencyRepository } from './repositories/idempotency-repository.js';
import { identityRepository } from './repositories/identity-repository.js';
import { modelRepository, policyRepository } from './repositories/model-repository.js';
import { requestRepository } from './repositories/request-repository.js';
import { servingRepository } from './repositories/serving-repository.js';
import { versionRepository } from './repositories/version-repository.js';

/** Opens the database, brings the schema up to date and returns the Store. */
export async function createStore(config: StoreConfig): Promise<Store> {
  const dialect = openDialect(config);
  try {
    await migrateToLatest(dialect);
  } catch (error) {
    await dialect.destroy();
    throw error;
  }
  return storeOn(dialect);
}

/** A Store over an open, migrated dialect. */
export function storeOn(dialect: StoreDialect): Store {
  return {
    async transaction(work) {
      try {
        return await dialect.writeTransaction((db) => work(repositories({ db, dialect })));
      } catch (error) {
        throw translate(dialect, error);
      }
    },
    async read(work) {
      try {
        return await dialect.readTransaction((db) => work(repositories({ db, dialect })));
      } catch (error) {
        throw translate(dialect, error);
      }
    },
    close: () => dialect.destroy(),
  };
}

function repositories(context: RepositoryContext): Repositories {
  return {
    models: modelRepository(context),
    versions: versionRepository(context),
    evidence: evidenceRepository(context),
    policies: policyRepository(context),
    requests: requestRepository(context),
    approvals: approvalRepository(context),
    decisions: decisionRepository(context),
    serving: servingRepository(context),
    audit: auditRepository(context),
    checkpoints: checkpointRepository(context),
    identity: identityRepository(context),
    idempotency: idempotencyRepository(context),
    reads: { pendingRequests: pendingRequestsReadModel(context) },
  };
}

function translate(dialect: StoreDialect, error: unknown): unknown {
  if (isClearanceError(error)) return error;
  switch (dialect.classifyError(error)) {
    case 'unique_violation':
      return new ClearanceError(
        'conflict',
        `A record with the same key already exists (${describe(error)}); reload and retry`,
        { cause: error },
      );
    case 'concurrency':
      return new ClearanceError(
        'conflict',
        `A concurrent change on ${dialect.label} won (${describe(error)}); reload and retry`,
        { cause: error },
      );
    default:
      return error;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
