import type { Kysely, Selectable } from 'kysely';
import type { ModelRepository, PolicyRepository } from '../../app/shared/ports.js';
import type { Model, PolicyRecord, RiskTier } from '../../domain/index.js';
import { ClearanceError } from '../../domain/index.js';
import { conflictOnDuplicate, iso, opt, type RepositoryContext } from '../columns.js';
import { preparedLockingQuery, preparedQuery } from '../prepared-query.js';
import type { Database, ModelsTable, PoliciesTable } from '../schema.js';
import { tableColumns } from '../table-columns.js';

// Named columns, not `*`: a column a newer server adds leaves these statements valid (ADR 033).
const modelColumns = tableColumns('models', {
  name: true,
  owner_team: true,
  risk_tier: true,
  policy_digest: true,
  description: true,
  created_at: true,
  created_by: true,
});
const policyColumns = tableColumns('policies', {
  digest: true,
  name: true,
  text: true,
  registered_at: true,
  registered_by: true,
});

/** The unlocked read, compiled once: every registry read loads its model. */
const modelNamed = preparedQuery((db, p: { name: string }) =>
  db.selectFrom('models').select(modelColumns).where('name', '=', p.name),
);

/**
 * The same, with the model's policy row beside it (left join: a missing policy is reported by
 * `policies.get`, as before). Inside a transaction the policy is kept for `policies.get`: a use
 * case that loads a model loads its policy next, and this saves that statement.
 */
const modelAndPolicyNamed = preparedQuery((db, q: { name: string }) => modelAndPolicy(db, q.name));

/** The same for the model a transition request names, found by the request's id. */
const modelAndPolicyOfRequest = preparedQuery((db, q: { requestId: string }) =>
  modelAndPolicyRows(db).where('models.name', '=', (eb) =>
    eb.selectFrom('transition_requests').select('model').where('id', '=', q.requestId),
  ),
);

function modelAndPolicy(db: Kysely<Database>, name: string) {
  return modelAndPolicyRows(db).where('models.name', '=', name);
}

function modelAndPolicyRows(db: Kysely<Database>) {
  return db
    .selectFrom('models')
    .leftJoin('policies', 'policies.digest', 'models.policy_digest')
    .select(modelColumns)
    .select([
      'policies.name as policy_name',
      'policies.text as policy_text',
      'policies.registered_at as policy_registered_at',
      'policies.registered_by as policy_registered_by',
    ]);
}

type ModelAndPolicyRow = Awaited<ReturnType<typeof modelAndPolicyNamed>>[number];

/** Models read in one transaction, until it writes one; see `keptModels`. */
interface TransactionModels {
  rows: Map<string, ModelAndPolicyRow>;
  written: boolean;
}
const transactionModels = new WeakMap<object, TransactionModels>();

/**
 * The model rows (with their policy) read in the transaction on `db`, kept for its later reads
 * (ADR 021):
 * the works of a group-committed batch share one transaction, and each create of a batch reads
 * the same model, a round trip each on PostgreSQL. Nothing else can change a model while the
 * transaction runs (write transactions hold the write lock: BEGIN IMMEDIATE on SQLite, the
 * advisory lock on PostgreSQL, ADR 017; a read transaction reads one snapshot), so only the
 * transaction's own writes can: the first write to a model empties the rows and stops keeping
 * any for the rest of the transaction. Rows kept are therefore as the transaction found them, and
 * stay right when a work rolls back to its savepoint.
 */
function keptModels(db: object): TransactionModels {
  let kept = transactionModels.get(db);
  if (kept === undefined) {
    kept = { rows: new Map(), written: false };
    transactionModels.set(db, kept);
  }
  return kept;
}

/** Called by every write to `models`: the transaction's later reads go to the database. */
export function modelsWritten(db: object): void {
  const kept = keptModels(db);
  kept.written = true;
  kept.rows.clear();
}

// The locked read takes the policy beside the model too (only the model's row is locked): every
// use case that locks its model loads the policy next. Compiled once (ADR 033).
const modelAndPolicyLocked = preparedLockingQuery((db, p: { name: string }, lock) =>
  lock(modelAndPolicy(db, p.name), 'models'),
);

/** Compiled once too: every version create loads its model's policy by digest. */
const policyByDigest = preparedQuery((db, p: { digest: string }) =>
  db.selectFrom('policies').select(policyColumns).where('digest', '=', p.digest),
);

export function modelRepository(context: RepositoryContext): ModelRepository {
  const { db, policiesRead } = context;
  /** The model of `row`; its policy, when the join found it, kept for `policies.get`. */
  function keepPolicy(row: ModelAndPolicyRow): Model {
    const { policy_name, policy_text, policy_registered_at, policy_registered_by } = row;
    if (
      policiesRead !== undefined &&
      policy_name !== null &&
      policy_text !== null &&
      policy_registered_at !== null &&
      policy_registered_by !== null
    ) {
      policiesRead.set(row.policy_digest, {
        digest: row.policy_digest,
        name: policy_name,
        text: policy_text,
        registeredAt: iso(policy_registered_at),
        registeredBy: policy_registered_by,
      });
    }
    return toModel(row);
  }
  return {
    async insert(model) {
      modelsWritten(db);
      await conflictOnDuplicate(
        context,
        () =>
          db
            .insertInto('models')
            .values({
              name: model.name,
              owner_team: model.ownerTeam,
              risk_tier: model.riskTier,
              policy_digest: model.policyDigest,
              description: model.description ?? null,
              created_at: model.createdAt,
              created_by: model.createdBy,
            })
            .execute(),
        `Model ${model.name} already exists; pick another name or update the existing model`,
      );
    },
    async get(name, options) {
      if (options?.forUpdate === true) {
        const [row] = await modelAndPolicyLocked(context, { name });
        return row === undefined ? undefined : keepPolicy(row);
      }
      if (policiesRead !== undefined) {
        const kept = keptModels(db);
        let row = kept.rows.get(name);
        if (row === undefined) {
          [row] = await modelAndPolicyNamed(db, { name });
          if (row === undefined) return undefined;
          if (!kept.written) kept.rows.set(name, row);
        }
        return keepPolicy(row);
      }
      const [row] = await modelNamed(db, { name });
      return row === undefined ? undefined : toModel(row);
    },
    async getOfRequest(requestId) {
      const [row] = await modelAndPolicyOfRequest(db, { requestId });
      if (row === undefined) return undefined;
      // Kept as `get` keeps what it reads (ADR 021), for the transaction's later reads by name.
      if (policiesRead !== undefined) {
        const kept = keptModels(db);
        if (!kept.written) kept.rows.set(row.name, row);
      }
      return keepPolicy(row);
    },
    async setPolicy(name, policyDigest) {
      modelsWritten(db);
      const result = await db
        .updateTable('models')
        .set({ policy_digest: policyDigest })
        .where('name', '=', name)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) {
        throw new ClearanceError('not_found', `Model ${name} does not exist; register it first`);
      }
    },
    async list() {
      const rows = await db.selectFrom('models').selectAll().orderBy('name').execute();
      return rows.map(toModel);
    },
  };
}

export function toModel(row: Selectable<ModelsTable>): Model {
  return {
    name: row.name,
    ownerTeam: row.owner_team,
    riskTier: row.risk_tier as RiskTier,
    policyDigest: row.policy_digest,
    ...opt('description', row.description),
    createdAt: iso(row.created_at),
    createdBy: row.created_by,
  };
}

export function policyRepository({ db, policiesRead }: RepositoryContext): PolicyRepository {
  return {
    async insert(record) {
      // A digest names its text: the first record stays. Looked up first, since SQLite's
      // append-only guard refuses an INSERT of a held key before ON CONFLICT sees it (0024).
      const held = await db
        .selectFrom('policies')
        .select('digest')
        .where('digest', '=', record.digest)
        .executeTakeFirst();
      if (held !== undefined) return;
      await db
        .insertInto('policies')
        .values({
          digest: record.digest,
          name: record.name,
          text: record.text,
          registered_at: record.registeredAt,
          registered_by: record.registeredBy,
        })
        .onConflict((conflict) => conflict.column('digest').doNothing())
        .execute();
    },
    async get(digest) {
      const known = policiesRead?.get(digest);
      if (known !== undefined) return known;
      const [row] = await policyByDigest(db, { digest });
      return row === undefined ? undefined : toPolicy(row);
    },
  };
}

function toPolicy(row: Selectable<PoliciesTable>): PolicyRecord {
  return {
    digest: row.digest,
    name: row.name,
    text: row.text,
    registeredAt: iso(row.registered_at),
    registeredBy: row.registered_by,
  };
}
