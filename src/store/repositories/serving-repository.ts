import type { Insertable, Selectable } from 'kysely';
import type { ServingRepository } from '../../app/shared/ports.js';
import type { ServingView } from '../../domain/index.js';
import { iso, type RepositoryContext } from '../columns.js';
import type { ServingTable } from '../schema.js';

export function servingRepository({ db }: RepositoryContext): ServingRepository {
  return {
    async get(model) {
      const row = await db
        .selectFrom('serving')
        .selectAll()
        .where('model', '=', model)
        .executeTakeFirst();
      return row === undefined ? { model } : toServing(row);
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
