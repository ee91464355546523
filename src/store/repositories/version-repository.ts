import { type Insertable, type Selectable, sql } from 'kysely';
import type { VersionRepository } from '../../app/shared/ports.js';
import {
  ClearanceError,
  type Lineage,
  type Version,
  type VersionState,
  type VersionView,
} from '../../domain/index.js';
import { conflictOnDuplicate, fromJson, iso, type RepositoryContext, toJson } from '../columns.js';
import { assertStorableRow } from '../dialects/storable-parameters.js';
import { preparedQuery } from '../prepared-query.js';
import type { VersionStatesTable, VersionsTable } from '../schema.js';
import { aliasedColumns } from '../table-columns.js';
import { auditEntryExists, type StoreAuditRepository } from './audit-repository.js';

/** A row of `versionViews`: the version and its current state. */
type VersionViewRow = Selectable<VersionsTable> &
  Pick<Selectable<VersionStatesTable>, 'state' | 'since'>;

// Named columns, not `*`: these reads run as named statements inside write transactions, and a
// column a newer server adds must leave them valid (ADR 033).
const versionColumns = aliasedColumns('versions', 'v', {
  model: true,
  version: true,
  artifact_uri: true,
  artifact_digest: true,
  lineage: true,
  created_at: true,
  created_by: true,
});

/** Versions with their current state; map rows with `toView`. */
export function versionViews(db: RepositoryContext['db']) {
  return db
    .selectFrom('versions as v')
    .innerJoin('version_states as s', (join) =>
      join.onRef('s.model', '=', 'v.model').onRef('s.version', '=', 'v.version'),
    )
    .select(versionColumns)
    .select(['s.state', 's.since']);
}

// The registry's hot reads, compiled once (prepared-query.ts).
const getView = preparedQuery((db, p: { model: string; version: string }) =>
  versionViews(db).where('v.model', '=', p.model).where('v.version', '=', p.version),
);
const listViews = preparedQuery((db, p: { model: string }) =>
  versionViews(db).where('v.model', '=', p.model).orderBy('v.created_at').orderBy('v.version'),
);
const firstPage = preparedQuery((db, p: { model: string; limit: number }) =>
  versionViews(db)
    .where('v.model', '=', p.model)
    .orderBy('v.created_at')
    .orderBy('v.version')
    .limit(p.limit),
);
// A row-value comparison, which both engines answer with one range of the index on
// (model, created_at, version) instead of filtering the model's rows from its start.
const pageAfter = preparedQuery(
  (db, p: { model: string; createdAt: string; version: string; limit: number }) =>
    versionViews(db)
      .where('v.model', '=', p.model)
      .where((eb) =>
        eb(eb.refTuple('v.created_at', 'v.version'), '>', eb.tuple(p.createdAt, p.version)),
      )
      .orderBy('v.created_at')
      .orderBy('v.version')
      .limit(p.limit),
);

/** The state of `version_states_one_production`'s predicate (migration 0001). */
const productionState = 'production';

/**
 * `production` written into the statement instead of passed as a parameter. A parameter compared
 * with `state` might match that partial index's predicate, so SQLite compiled such a statement
 * again on every run (the version-beside-production read cost 30 µs instead of 5 µs), and
 * PostgreSQL's generic plan read all the model's states to filter them. With the literal, SQLite
 * keeps the compiled statement and PostgreSQL reads the partial index.
 */
const production = sql.lit(productionState);

type StateTerm = string | typeof production;

function viewsIn(db: RepositoryContext['db'], model: string, state: StateTerm) {
  return versionViews(db)
    .where('v.model', '=', model)
    .where('s.state', '=', state)
    .orderBy('v.created_at')
    .orderBy('v.version');
}

// The governed path asks for the production version several times per transition (gate
// baselines, approvals, execution): compiled once like the reads above.
const viewsInState = preparedQuery((db, p: { model: string; state: string }) =>
  viewsIn(db, p.model, p.state),
);
const viewsInProduction = preparedQuery((db, p: { model: string }) =>
  viewsIn(db, p.model, production),
);

// A version and its model's versions in a state (a request's or an execution's version and the
// production baseline), in one statement: each part keeps its own index range.
function viewAndIn(
  db: RepositoryContext['db'],
  p: { model: string; version: string },
  state: StateTerm,
) {
  return versionViews(db)
    .select(sql<number>`0`.as('part'))
    .where('v.model', '=', p.model)
    .where('v.version', '=', p.version)
    .unionAll(
      versionViews(db)
        .select(sql<number>`1`.as('part'))
        .where('v.model', '=', p.model)
        .where('s.state', '=', state),
    );
}
const viewAndInState = preparedQuery((db, p: { model: string; version: string; state: string }) =>
  viewAndIn(db, p, p.state),
);
const viewAndProduction = preparedQuery((db, p: { model: string; version: string }) =>
  viewAndIn(db, p, production),
);

// A model's version-change count (migration 0017): one row by its key; no row means none yet.
const changesOf = preparedQuery((db, p: { model: string }) =>
  db.selectFrom('version_changes').select('changes').where('model', '=', p.model),
);

// A create's two writes, compiled once (prepared-query.ts): building and compiling them was a
// tenth of a create's CPU on SQLite.
const insertVersionRow = preparedQuery((db, p: Insertable<VersionsTable>) =>
  db.insertInto('versions').values(p),
);
const upsertState = preparedQuery((db, p: Insertable<VersionStatesTable>) =>
  db
    .insertInto('version_states')
    .values(p)
    .onConflict((conflict) =>
      conflict
        .columns(['model', 'version'])
        .doUpdateSet({ state: p.state, request_id: p.request_id, since: p.since }),
    ),
);

const namesOf = preparedQuery((db, p: { model: string }) =>
  db.selectFrom('versions').select('version').where('model', '=', p.model),
);

/**
 * A name of 1–15 digits alone: read as a number by SQL's cast exactly as by JavaScript's
 * `Number` (15 digits stay below 2^53), on both engines (`ltrim` with a set of characters is
 * SQLite's and PostgreSQL's both). Word for word the predicate of migration 0029's
 * `versions_by_number`, as `startsAsNumber` is of `versions_number_like`'s: an engine uses a
 * partial index only for a query that states the index's own conditions.
 */
const digitsOnly = sql<boolean>`length(version) between 1 and 15 and ltrim(version, '0123456789') = ''`;
/**
 * A name not led by an ASCII letter or "_": `Number` reads no such name as an integer (of the
 * names led by a letter, only `Infinity` is a number). Led by a digit, a sign, a dot, or white
 * space, which `Number` skips and an MLflow import may bring (" 10"; the import does not hold
 * names to `versionPattern`).
 */
const startsAsNumber = sql<boolean>`ltrim(substr(version, 1, 1), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_') <> ''`;

/**
 * One statement, two short walks of migration 0029's partial indexes: the digits-only name of
 * the highest value (the first of `versions_by_number` from the top: length without leading
 * zeros, then text, is numeric order), and each other name a number may start like (none on a
 * model MLflow numbers; every name of one named by semantic versions, as before). Before, numbering sent every name of the model, twice a registration.
 */
const numberingNamesOf = preparedQuery((db, p: { model: string }) =>
  db
    .selectFrom(
      db
        .selectFrom('versions')
        .select(['version', sql<string>`'digits'`.as('kind')])
        .where('model', '=', p.model)
        .where(digitsOnly)
        .orderBy(sql`length(ltrim(version, '0'))`, 'desc')
        .orderBy(sql`ltrim(version, '0')`, 'desc')
        .limit(1)
        .as('highest'),
    )
    .select(['version', 'kind'])
    .unionAll(
      db
        .selectFrom('versions')
        .select(['version', sql<string>`'other'`.as('kind')])
        .where('model', '=', p.model)
        .where(sql<boolean>`not (${digitsOnly})`)
        .where(startsAsNumber),
    ),
);

function versionRow(version: Version): Insertable<VersionsTable> {
  return {
    model: version.model,
    version: version.version,
    artifact_uri: version.artifactUri,
    artifact_digest: version.artifactDigest,
    lineage: toJson(version.lineage),
    created_at: version.createdAt,
    created_by: version.createdBy,
  };
}

function stateRow(initialState: VersionState): Insertable<VersionStatesTable> {
  return {
    model: initialState.model,
    version: initialState.version,
    state: initialState.state,
    request_id: initialState.requestId ?? null,
    since: initialState.since,
  };
}

function duplicateMessage(version: Version): string {
  return `Version ${version.version} of model ${version.model} already exists; versions are immutable, register a new version`;
}

export function versionRepository(
  context: RepositoryContext,
  audit: StoreAuditRepository,
): VersionRepository {
  const { db } = context;
  return {
    async insert(version, initialState) {
      const row = versionRow(version);
      const duplicate = duplicateMessage(version);
      // A first state of production keeps setState's check for another production version.
      if (initialState.state !== 'production') {
        const state = stateRow(initialState);
        const inserted = await conflictOnDuplicate(
          context,
          () => context.dialect.insertVersionWithState(db, { version: row, state }),
          duplicate,
        );
        if (inserted) return;
      }
      await conflictOnDuplicate(context, () => insertVersionRow(db, row), duplicate);
      await this.setState(initialState);
    },
    async insertLogged(version, initialState, entry) {
      const row = versionRow(version);
      assertStorableRow('versions', row);
      if (initialState.state === 'production') {
        await this.insert(version, initialState);
        return audit.append(entry);
      }
      return audit.appendThrough(entry, async (logged) => {
        const done = await versionOrLogConflict(context, version, () =>
          context.dialect.insertVersionLogged(db, {
            version: row,
            state: stateRow(initialState),
            entry: logged,
          }),
        );
        if (done !== undefined) return done.entry;
        // Nothing written (SQLite, where a statement costs no round trip): the version first,
        // then the entry statement by statement, as `insert` and `audit.append` would.
        await this.insert(version, initialState);
        return undefined;
      });
    },
    async get(model, version) {
      const [row] = await getView(db, { model, version });
      return row === undefined ? undefined : toView(row);
    },
    async setState(state) {
      if (state.state === 'production') {
        const current = await db
          .selectFrom('version_states')
          .select('version')
          .where('model', '=', state.model)
          .where('state', '=', 'production')
          .where('version', '!=', state.version)
          .executeTakeFirst();
        if (current !== undefined) throw productionConflict(state.model, current.version);
      }
      await conflictOnDuplicate(
        context,
        () =>
          upsertState(db, {
            model: state.model,
            version: state.version,
            state: state.state,
            request_id: state.requestId ?? null,
            since: state.since,
          }),
        productionConflictMessage(state.model),
      );
    },
    async inState(model, state) {
      const rows =
        state === productionState
          ? await viewsInProduction(db, { model })
          : await viewsInState(db, { model, state });
      return rows.map(toView);
    },
    async getBeside(model, version, state) {
      const rows =
        state === productionState
          ? await viewAndProduction(db, { model, version })
          : await viewAndInState(db, { model, version, state });
      const found = rows.find((r) => Number(r.part) === 0);
      const inState = rows
        .filter((r) => Number(r.part) === 1)
        .sort(
          (a, b) => compare(iso(a.created_at), iso(b.created_at)) || compare(a.version, b.version),
        );
      return {
        version: found === undefined ? undefined : toView(found),
        inState: inState.map(toView),
      };
    },
    async page(model, { limit, after }) {
      const rows =
        after === undefined
          ? await firstPage(db, { model, limit })
          : await pageAfter(db, {
              model,
              createdAt: after.createdAt,
              version: after.version,
              limit,
            });
      return rows.map(toView);
    },
    async names(model) {
      return (await namesOf(db, { model })).map((row) => row.version);
    },
    async numberingNames(model) {
      let highestDigits = 0;
      const otherNumberLike: string[] = [];
      for (const row of await numberingNamesOf(db, { model })) {
        if (row.kind === 'digits') highestDigits = Number(row.version);
        else otherNumberLike.push(row.version);
      }
      return { highestDigits, otherNumberLike };
    },
    async list(model) {
      return (await listViews(db, { model })).map(toView);
    },
    async changes(model) {
      const [row] = await changesOf(db, { model });
      return row === undefined ? 0 : Number(row.changes);
    },
    async allChanges() {
      const rows = await db.selectFrom('version_changes').select(['model', 'changes']).execute();
      return new Map(rows.map((row) => [row.model, Number(row.changes)]));
    },
  };
}

/**
 * A unique violation from the folded statement: in the version's tables a duplicate version,
 * anywhere else the log's own rows (written behind the service's back, as `audit.append` says).
 */
async function versionOrLogConflict<T>(
  context: RepositoryContext,
  version: Version,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (context.dialect.classifyError(error) !== 'unique_violation') throw error;
    const table = context.dialect.conflictTable(error);
    const message =
      table === 'versions' || table === 'version_states'
        ? duplicateMessage(version)
        : auditEntryExists;
    throw new ClearanceError('conflict', message, { cause: error });
  }
}

function productionConflict(model: string, current: string): ClearanceError {
  return new ClearanceError('conflict', productionConflictMessage(model, current));
}

/** Only the text: an error made just for its message would capture a stack on every write. */
function productionConflictMessage(model: string, current?: string): string {
  const which = current === undefined ? 'a production version' : `production version ${current}`;
  return `Model ${model} already has ${which}; demote it in the same transaction before promoting another`;
}

export function toView(row: VersionViewRow): VersionView {
  return {
    model: row.model,
    version: row.version,
    artifactUri: row.artifact_uri,
    artifactDigest: row.artifact_digest,
    lineage: fromJson<Lineage>(row.lineage),
    createdAt: iso(row.created_at),
    createdBy: row.created_by,
    state: row.state,
    stateSince: iso(row.since),
  };
}

/** Text order as the databases' `order by` on these columns (binary collation). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
