import type { Insertable, Selectable } from 'kysely';
import type { VersionRepository } from '../../app/shared/ports.js';
import { ClearanceError, type Lineage, type VersionView } from '../../domain/index.js';
import { conflictOnDuplicate, fromJson, iso, type RepositoryContext, toJson } from '../columns.js';
import type { CommittedVersions } from '../committed-versions.js';
import { preparedQuery } from '../prepared-query.js';
import type { VersionStatesTable, VersionsTable } from '../schema.js';

/** A row of `versionViews`: the version and its current state. */
type VersionViewRow = Selectable<VersionsTable> &
  Pick<Selectable<VersionStatesTable>, 'state' | 'since'>;

/** Versions with their current state; map rows with `toView`. */
export function versionViews(db: RepositoryContext['db']) {
  return db
    .selectFrom('versions as v')
    .innerJoin('version_states as s', (join) =>
      join.onRef('s.model', '=', 'v.model').onRef('s.version', '=', 'v.version'),
    )
    .selectAll('v')
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

// The same pages with only what changes (the state): the rest comes from `CommittedVersions`.
function versionStates(db: RepositoryContext['db']) {
  return db
    .selectFrom('versions as v')
    .innerJoin('version_states as s', (join) =>
      join.onRef('s.model', '=', 'v.model').onRef('s.version', '=', 'v.version'),
    )
    .select(['v.version', 's.state', 's.since']);
}
const listStates = preparedQuery((db, p: { model: string }) =>
  versionStates(db).where('v.model', '=', p.model).orderBy('v.created_at').orderBy('v.version'),
);
const firstPageStates = preparedQuery((db, p: { model: string; limit: number }) =>
  versionStates(db)
    .where('v.model', '=', p.model)
    .orderBy('v.created_at')
    .orderBy('v.version')
    .limit(p.limit),
);
const pageStatesAfter = preparedQuery(
  (db, p: { model: string; createdAt: string; version: string; limit: number }) =>
    versionStates(db)
      .where('v.model', '=', p.model)
      .where((eb) =>
        eb(eb.refTuple('v.created_at', 'v.version'), '>', eb.tuple(p.createdAt, p.version)),
      )
      .orderBy('v.created_at')
      .orderBy('v.version')
      .limit(p.limit),
);

const namesOf = preparedQuery((db, p: { model: string }) =>
  db.selectFrom('versions').select('version').where('model', '=', p.model),
);

type StateRow = Pick<VersionViewRow, 'version' | 'state' | 'since'>;

/**
 * `remembering` is given to reads of committed data only (see `CommittedVersions`): with it, lists
 * asked for `remembered` versions read each version's state and take the rest from it, reading
 * whole rows only when it lacks one.
 */
export function versionRepository(
  context: RepositoryContext,
  remembering?: CommittedVersions,
): VersionRepository {
  const { db } = context;
  const views = () => versionViews(db);
  /** The views of `states` from `committed`, or (one of them unknown) `full`'s rows, remembered. */
  async function known(
    input: { model: string; remembered: boolean | undefined },
    states: () => Promise<StateRow[]>,
    full: () => Promise<VersionViewRow[]>,
  ): Promise<VersionView[]> {
    const { model } = input;
    // Checks of the stored rows against the log (`remembered` unset) always read the rows.
    const committed = input.remembered === true ? remembering : undefined;
    if (committed !== undefined) {
      const rows = await states();
      const found: VersionView[] = [];
      for (const row of rows) {
        const version = committed.get(model, row.version);
        if (version === undefined) break;
        found.push({ ...version, state: row.state, stateSince: iso(row.since) });
      }
      if (found.length === rows.length) return found;
    }
    return (await full()).map((row) => {
      const view = toView(row);
      if (committed === undefined) return view;
      const { state, stateSince, ...version } = view;
      return { ...committed.remember(version), state, stateSince };
    });
  }
  return {
    async insert(version, initialState) {
      await conflictOnDuplicate(
        context,
        () =>
          db
            .insertInto('versions')
            .values({
              model: version.model,
              version: version.version,
              artifact_uri: version.artifactUri,
              artifact_digest: version.artifactDigest,
              lineage: toJson(version.lineage),
              created_at: version.createdAt,
              created_by: version.createdBy,
            })
            .execute(),
        `Version ${version.version} of model ${version.model} already exists; versions are immutable, register a new version`,
      );
      await this.setState(initialState);
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
      const values = {
        state: state.state,
        request_id: state.requestId ?? null,
        since: state.since,
      } satisfies Omit<Insertable<VersionStatesTable>, 'model' | 'version'>;
      await conflictOnDuplicate(
        context,
        () =>
          db
            .insertInto('version_states')
            .values({ model: state.model, version: state.version, ...values })
            .onConflict((conflict) => conflict.columns(['model', 'version']).doUpdateSet(values))
            .execute(),
        productionConflict(state.model).message,
      );
    },
    async inState(model, state) {
      const rows = await views()
        .where('v.model', '=', model)
        .where('s.state', '=', state)
        .orderBy('v.created_at')
        .orderBy('v.version')
        .execute();
      return rows.map(toView);
    },
    async page(model, { limit, after, remembered }) {
      if (after === undefined) {
        return known(
          { model, remembered },
          () => firstPageStates(db, { model, limit }),
          () => firstPage(db, { model, limit }),
        );
      }
      const params = { model, createdAt: after.createdAt, version: after.version, limit };
      return known(
        { model, remembered },
        () => pageStatesAfter(db, params),
        () => pageAfter(db, params),
      );
    },
    async names(model) {
      return (await namesOf(db, { model })).map((row) => row.version);
    },
    async list(model, options) {
      return known(
        { model, remembered: options?.remembered },
        () => listStates(db, { model }),
        () => listViews(db, { model }),
      );
    },
  };
}

function productionConflict(model: string, current?: string): ClearanceError {
  const which = current === undefined ? 'a production version' : `production version ${current}`;
  return new ClearanceError(
    'conflict',
    `Model ${model} already has ${which}; demote it in the same transaction before promoting another`,
  );
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
