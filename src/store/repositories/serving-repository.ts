import type { Insertable, Selectable } from 'kysely';
import type { ServingRepository } from '../../app/shared/ports.js';
import type { ServingView } from '../../domain/index.js';
import { iso, type RepositoryContext } from '../columns.js';
import { preparedQuery } from '../prepared-query.js';
import type { ServingTable } from '../schema.js';
import { tableColumns } from '../table-columns.js';

// Named columns, not `*`: read inside write transactions as a named statement (ADR 033).
const servingColumns = tableColumns('serving', {
  model: true,
  production_version: true,
  production_since: true,
  canary_version: true,
  canary_traffic: true,
  canary_since: true,
  rollback_target_version: true,
});

const servingOf = preparedQuery((db, p: { model: string }) =>
  db.selectFrom('serving').select(servingColumns).where('model', '=', p.model),
);

// The model's row joined to its serving row (absent until something is promoted).
const servingOfModel = preparedQuery((db, p: { model: string }) =>
  db
    .selectFrom('models as m')
    .leftJoin('serving as s', 's.model', 'm.name')
    .select([
      'm.name',
      's.production_version',
      's.production_since',
      's.canary_version',
      's.canary_traffic',
      's.canary_since',
      's.rollback_target_version',
    ])
    .where('m.name', '=', p.model),
);

export function servingRepository({ db }: RepositoryContext): ServingRepository {
  return {
    async get(model) {
      const [row] = await servingOf(db, { model });
      return row === undefined ? { model } : toServing(row);
    },
    async ofModel(model) {
      const [row] = await servingOfModel(db, { model });
      return row === undefined ? undefined : toServing({ ...row, model: row.name });
    },
    async set(view) {
      const values = {
        production_version: view.production?.version ?? null,
        production_since: view.production?.since ?? null,
        canary_version: view.canary?.version ?? null,
        canary_traffic: view.canary?.traffic ?? null,
        canary_since: view.canary?.since ?? null,
        rollback_target_version: view.rollbackTarget?.version ?? null,
      } satisfies Omit<Insertable<ServingTable>, 'model'>;
      await db
        .insertInto('serving')
        .values({ model: view.model, ...values })
        .onConflict((conflict) => conflict.column('model').doUpdateSet(values))
        .execute();
    },
  };
}

export function toServing(row: Selectable<ServingTable>): ServingView {
  const view: ServingView = { model: row.model };
  if (row.production_version !== null && row.production_since !== null) {
    view.production = { version: row.production_version, since: iso(row.production_since) };
  }
  if (row.canary_version !== null && row.canary_since !== null) {
    view.canary = {
      version: row.canary_version,
      traffic: row.canary_traffic ?? 0,
      since: iso(row.canary_since),
    };
  }
  if (row.rollback_target_version !== null) {
    view.rollbackTarget = { version: row.rollback_target_version };
  }
  return view;
}
