import type { Selectable } from 'kysely';
import type {
  ObservationBatch,
  RolloutRecord,
  RolloutRepository,
} from '../../app/shared/rollout-ports.js';
import { fromJson, iso, lockedIfAsked, opt, type RepositoryContext, toJson } from '../columns.js';
import type { RolloutsTable } from '../schema.js';

export function rolloutRepository(context: RepositoryContext): RolloutRepository {
  const { db } = context;
  return {
    async insert(rollout) {
      await db
        .insertInto('rollouts')
        .values({
          id: rollout.id,
          model: rollout.model,
          version: rollout.version,
          control_version: rollout.controlVersion ?? null,
          request_id: rollout.requestId,
          from_state: rollout.from,
          policy_digest: rollout.policyDigest,
          spec: toJson(rollout.spec),
          state: toJson(rollout.state),
          baselines: toJson(rollout.baselines),
          status: rollout.state.status,
          started_at: rollout.startedAt,
          started_by: rollout.startedBy,
          updated_at: rollout.updatedAt,
        })
        .execute();
    },
    async get(id, options) {
      const row = await lockedIfAsked(
        context,
        options,
        db.selectFrom('rollouts').selectAll().where('id', '=', id),
      ).executeTakeFirst();
      return row === undefined ? undefined : toRollout(row);
    },
    async update(rollout) {
      await db
        .updateTable('rollouts')
        .set({
          state: toJson(rollout.state),
          status: rollout.state.status,
          updated_at: rollout.updatedAt,
        })
        .where('id', '=', rollout.id)
        .execute();
    },
    async list(filter) {
      let query = db.selectFrom('rollouts').selectAll();
      if (filter.status !== undefined) {
        if (filter.status.length === 0) return [];
        query = query.where('status', 'in', [...filter.status]);
      }
      if (filter.model !== undefined) query = query.where('model', '=', filter.model);
      const rows = await query.orderBy('started_at').orderBy('id').execute();
      return rows.map(toRollout);
    },
    async batchIds(rolloutId, prefix) {
      const rows = await db
        .selectFrom('rollout_observations')
        .select('batch_id')
        .where('rollout_id', '=', rolloutId)
        .where('batch_id', 'like', `${prefix}%`)
        .orderBy('batch_id')
        .execute();
      // LIKE's wildcards (`_`, `%`) and SQLite's case folding may match more; this is exact.
      return rows.map((row) => row.batch_id).filter((id) => id.startsWith(prefix));
    },
    async addBatch(batch) {
      // DO NOTHING rather than a caught unique violation: on PostgreSQL a failed statement
      // aborts the caller's transaction.
      const inserted = await db
        .insertInto('rollout_observations')
        .values({
          rollout_id: batch.rolloutId,
          batch_id: batch.batchId,
          digest: batch.digest,
          points: toJson(batch.points),
          point_count: batch.points.length,
          received_at: batch.receivedAt,
        })
        .onConflict((oc) => oc.columns(['rollout_id', 'batch_id']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { added: true };
      const stored = await db
        .selectFrom('rollout_observations')
        .select('digest')
        .where('rollout_id', '=', batch.rolloutId)
        .where('batch_id', '=', batch.batchId)
        .executeTakeFirstOrThrow();
      return { added: false, digest: stored.digest };
    },
    async points(rolloutId) {
      const rows = await db
        .selectFrom('rollout_observations')
        .select('points')
        .where('rollout_id', '=', rolloutId)
        .orderBy('received_at')
        .orderBy('batch_id')
        .execute();
      return rows.flatMap((row) => fromJson<ObservationBatch['points']>(row.points));
    },
    async pointsOf(rolloutIds) {
      const points = new Map<string, ObservationBatch['points']>(rolloutIds.map((id) => [id, []]));
      // In slices, so a long list stays under SQLite's bound-variable limit.
      for (let i = 0; i < rolloutIds.length; i += idsPerQuery) {
        const rows = await db
          .selectFrom('rollout_observations')
          .select(['rollout_id', 'points'])
          .where('rollout_id', 'in', rolloutIds.slice(i, i + idsPerQuery))
          .orderBy('rollout_id')
          .orderBy('received_at')
          .orderBy('batch_id')
          .execute();
        for (const row of rows) {
          points.get(row.rollout_id)?.push(...fromJson<ObservationBatch['points']>(row.points));
        }
      }
      return points;
    },
  };
}

const idsPerQuery = 500;

function toRollout(row: Selectable<RolloutsTable>): RolloutRecord {
  return {
    id: row.id,
    model: row.model,
    version: row.version,
    ...opt('controlVersion', row.control_version),
    requestId: row.request_id,
    from: row.from_state,
    policyDigest: row.policy_digest,
    spec: fromJson(row.spec),
    state: fromJson(row.state),
    baselines: fromJson(row.baselines),
    startedAt: iso(row.started_at),
    startedBy: row.started_by,
    updatedAt: iso(row.updated_at),
  };
}
