import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * A model's rollouts (the canary a production promotion starts or a rollback stops, a model's
 * rollout list) are read by model. The rollouts table had no index leading with the model, so
 * those reads walked every active rollout of the registry (`rollouts_by_status`) or the whole
 * table, which grows by one row per canary ever run. This is a range per model, in start order.
 */
export const rolloutsByModel: MigrationFactory = () => ({
  async up(db: MigrationDb) {
    await db.schema
      .createIndex('rollouts_by_model')
      .ifNotExists()
      .on('rollouts')
      .columns(['model', 'started_at'])
      .execute();
  },
});
