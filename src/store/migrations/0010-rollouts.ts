import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * Canary rollouts (issue 9) and the KPI batches posted to them. A rollout row keeps the policy's
 * rollout spec and the pure reducer's state as JSON (the state changes on every evaluation); the
 * database keeps one running or paused rollout per model. Observation batches are keyed by
 * (rollout, batch id), so a retried batch is recognised on every server.
 */
export const rollouts: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    const time = dialect.capabilities.timestampType;
    await db.schema
      .createTable('rollouts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('model', 'text', (c) => c.notNull().references('models.name'))
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('control_version', 'text')
      .addColumn('request_id', 'text', (c) => c.notNull().references('transition_requests.id'))
      .addColumn('from_state', 'text', (c) => c.notNull())
      .addColumn('policy_digest', 'text', (c) => c.notNull())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('baselines', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('started_at', time, (c) => c.notNull())
      .addColumn('started_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('rollouts_one_active_per_model')
      .on('rollouts')
      .column('model')
      .unique()
      .where(sql.ref('status'), 'in', ['running', 'paused'])
      .execute();
    await db.schema
      .createIndex('rollouts_by_status')
      .on('rollouts')
      .columns(['status', 'started_at'])
      .execute();
    await db.schema
      .createTable('rollout_observations')
      .addColumn('rollout_id', 'text', (c) => c.notNull().references('rollouts.id'))
      .addColumn('batch_id', 'text', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('points', 'text', (c) => c.notNull())
      .addColumn('point_count', 'integer', (c) => c.notNull())
      .addColumn('received_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('rollout_observations_pk', ['rollout_id', 'batch_id'])
      .execute();
  },
});
