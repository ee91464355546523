import type { Repositories, Store, WriteScope } from '../app/shared/ports.js';
import { ClearanceError, isClearanceError } from '../domain/index.js';
import type { RepositoryContext, TransactionEffects } from './columns.js';
import { type WriteKey, WriteWaitExceeded } from './dialects/group-commit.js';
import { openDialect, type StoreConfig } from './dialects/open-dialect.js';
import type { StoreDialect, TriggersOfTable } from './dialects/store-dialect.js';
import { migrateToLatest } from './migrations/migrate-to-latest.js';
import { boardReadModel } from './read-models/board.js';
import { pendingRequestsReadModel } from './read-models/pending-requests.js';
import { approvalRepository } from './repositories/approval-repository.js';
import { auditRepository, checkpointRepository } from './repositories/audit-repository.js';
import { blobUploadRepository } from './repositories/blob-upload-repository.js';
import { decisionRepository } from './repositories/decision-repository.js';
import { deliveryRepository } from './repositories/delivery-repository.js';
import { evidenceRepository } from './repositories/evidence-repository.js';
import { idempotencyRepository } from './repositories/idempotency-repository.js';
import { identityRepository } from './repositories/identity-repository.js';
import { jobRepository } from './repositories/job-repository.js';
import { modelMetadataRepository } from './repositories/model-metadata-repository.js';
import { modelRepository, policyRepository } from './repositories/model-repository.js';
import { outboxRepository } from './repositories/outbox-repository.js';
import { requestRepository } from './repositories/request-repository.js';
import { rolloutRepository } from './repositories/rollout-repository.js';
import { servingRepository } from './repositories/serving-repository.js';
import { versionRepository } from './repositories/version-repository.js';
import { webhookRepository } from './repositories/webhook-repository.js';

/**
 * Opens the database, brings the schema up to date and returns the Store. `warn` hears of a
 * trigger of ours that no longer fires in every session (PostgreSQL, ADR 027).
 */
export async function createStore(
  config: StoreConfig,
  options: { warn?: (message: string) => void } = {},
): Promise<Store> {
  const dialect = openDialect(config);
  try {
    await migrateToLatest(dialect);
    const off = options.warn === undefined ? [] : await dialect.triggersNotFiringAlways();
    if (off.length > 0) options.warn?.(triggersOffWarning(off));
    const changed = options.warn === undefined ? [] : await dialect.triggerFunctionsChanged();
    if (changed.length > 0) options.warn?.(functionsChangedWarning(changed));
  } catch (error) {
    await dialect.destroy();
    throw error;
  }
  return storeOn(dialect);
}

/**
 * Names the trigger functions whose source, rights or search path is not the migrations', and
 * where to find theirs.
 */
function functionsChangedWarning(changed: readonly string[]): string {
  return (
    `Trigger functions of Clearance's are not what the migrations created (replaced, dropped or ` +
    `altered by a role that owns them), so the append-only refusals or the counters the caches ` +
    `trust may not hold: ${changed.join(', ')}. Re-create them as the owner from ` +
    `docs/reference/schema.md ("Functions", with their REVOKE), run audit verify --state, and ` +
    `run the servers as a role that does not own the tables (docs/operations.md, "Database ` +
    `roles (PostgreSQL)").`
  );
}

/** Names the tables and triggers, and the statements that fix them. */
function triggersOffWarning(off: readonly TriggersOfTable[]): string {
  const named = off.map((t) => `${t.table} (${t.triggers.join(', ')})`).join('; ');
  const fix = off
    .flatMap((t) => t.triggers.map((g) => `ALTER TABLE ${t.table} ENABLE ALWAYS TRIGGER ${g};`))
    .join(' ');
  return (
    `Triggers of Clearance's no longer fire in every session (ENABLE TRIGGER ALL, as a data-only ` +
    `restore with --disable-triggers runs, resets them), so SQL in replica mode gets past them: ${named}. ` +
    `Run as the tables' owner: ${fix} (docs/operations.md, "Keep the triggers firing always").`
  );
}

/**
 * The key group commit runs writes side by side by: one per model, one per user's uploads; a new
 * version's registration names its part of its model's key (ADR 053).
 */
function scopeKey(scope: WriteScope): WriteKey {
  if (!('model' in scope)) return `uploads ${scope.uploadsOf}`;
  const key = `model ${scope.model}`;
  return scope.newVersion === undefined ? key : { key, part: scope.newVersion };
}

/** A Store over an open, migrated dialect. */
export function storeOn(dialect: StoreDialect): Store {
  const jobWatchers = new Set<() => void>();
  /** One write transaction, and the job runners told once it committed a job due now. */
  async function write<T>(
    work: (tx: Repositories) => Promise<T>,
    scope: WriteScope | undefined,
  ): Promise<T> {
    // Shared by a work's runs (a work run side by side may run twice, ADR 051): a first run that
    // was rolled back can only have told the job runners to look for nothing.
    const effects: TransactionEffects = { jobsDue: false };
    const result = await dialect.writeTransaction(
      (db) => work(repositories({ db, dialect, effects, policiesRead: new Map() })),
      scope === undefined ? undefined : scopeKey(scope),
    );
    if (effects.jobsDue) {
      dialect.announceJobsDue();
      for (const listener of jobWatchers) listener();
    }
    return result;
  }
  const on = (db: StoreDialect['db']) => repositories({ db, dialect });
  // A transaction has a Kysely of its own, but a statement outside one runs on the same instance
  // every time: its repositories are made once, not twenty objects per statement.
  const made = new WeakMap<StoreDialect['db'], Repositories>();
  const onShared = (db: StoreDialect['db']) => {
    let repos = made.get(db);
    if (repos === undefined) {
      repos = on(db);
      made.set(db, repos);
    }
    return repos;
  };
  /** Driver errors leave the store in our words (see `translate`). */
  async function translated<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw translate(dialect, error);
    }
  }
  return {
    transaction: (work, scope) => translated(() => write(work, scope)),
    read: (work) =>
      translated(() =>
        dialect.readTransaction((db) =>
          work(repositories({ db, dialect, policiesRead: new Map() })),
        ),
      ),
    readOne: (work) => translated(() => dialect.readStatement((db) => work(onShared(db)))),
    // Repositories of their own, as a transaction's: policies read beside their model are kept
    // for the call (by digest, so whatever the snapshot, the row is the row). On a Kysely
    // instance of the call's own (same connections): the model rows kept for a call's later
    // reads are kept by instance (ADR 021), and the shared one would keep them for every call.
    readAhead: (work) =>
      translated(() =>
        dialect.readStatement((db) =>
          work(repositories({ db: db.withTables(), dialect, policiesRead: new Map() })),
        ),
      ),
    dataVersion: () => dialect.dataVersion(),
    writeStats: () => dialect.writeStats(),
    ...(dialect.writesSideBySide ? { writesSideBySide: true as const } : {}),
    ...(dialect.dataVersionWithEpoch === undefined
      ? {}
      : { dataVersionWithEpoch: dialect.dataVersionWithEpoch }),
    async watchJobs(listener) {
      jobWatchers.add(listener);
      const unlisten = (await dialect.watchJobsDue?.(listener)) ?? (async () => undefined);
      return async () => {
        jobWatchers.delete(listener);
        await unlisten();
      };
    },
    close: () => dialect.destroy(),
  };
}

function repositories(context: RepositoryContext): Repositories {
  const jobs = jobRepository(context);
  const audit = auditRepository(context);
  return {
    models: modelRepository(context),
    versions: versionRepository(context, audit),
    evidence: evidenceRepository(context),
    policies: policyRepository(context),
    requests: requestRepository(context),
    approvals: approvalRepository(context),
    decisions: decisionRepository(context),
    serving: servingRepository(context),
    audit,
    checkpoints: checkpointRepository(context),
    identity: identityRepository(context),
    idempotency: idempotencyRepository(context),
    blobUploads: blobUploadRepository(context),
    outbox: outboxRepository(context, jobs),
    jobs,
    deliveries: deliveryRepository(context, jobs),
    webhooks: webhookRepository(context),
    rollouts: rolloutRepository(context),
    metadata: modelMetadataRepository(context),
    reads: {
      pendingRequests: pendingRequestsReadModel(context),
      board: boardReadModel(context),
    },
  };
}

function translate(dialect: StoreDialect, error: unknown): unknown {
  if (isClearanceError(error)) return error;
  // Nothing was written; the caller may retry (503 with Retry-After over HTTP).
  if (error instanceof WriteWaitExceeded) {
    return new ClearanceError('busy', 'The store took no new write in time; retry shortly.', {
      cause: error,
      problems: [{ message: error.message, fix: 'Retry in a few seconds.' }],
    });
  }
  switch (dialect.classifyError(error)) {
    case 'unique_violation': {
      // The driver's text names constraints and values; it goes to the server log, not clients.
      const what = recordNouns[dialect.conflictTable(error) ?? ''] ?? 'record';
      return conflict(`Another ${what} with the same key already exists.`, error);
    }
    case 'concurrency':
      return conflict('A concurrent change to the same records won; retry the request.', error);
    default:
      return error;
  }
}

const recordNouns: Record<string, string> = {
  models: 'model',
  versions: 'version',
  version_states: 'version state',
  evidence: 'evidence file',
  policies: 'policy',
  transition_requests: 'transition request',
  approvals: 'approval',
  decisions: 'decision',
  audit_checkpoints: 'audit checkpoint',
  audit_entries: 'audit entry',
  audit_tree_nodes: 'audit tree node',
  users: 'user',
  role_bindings: 'role binding',
  api_tokens: 'API token',
  idempotency_keys: 'Idempotency-Key record',
  blob_uploads: 'upload record',
  outbox: 'outbox event',
  jobs: 'job',
  deliveries: 'delivery',
  webhook_subscriptions: 'webhook subscription',
  delivery_attempts: 'delivery attempt',
  rollouts: 'running or paused rollout of the model',
  rollout_observations: 'observation batch',
};

function conflict(message: string, cause: unknown): ClearanceError {
  return new ClearanceError('conflict', message, {
    cause,
    problems: [{ message, fix: 'Reload what you were changing and retry.' }],
  });
}
