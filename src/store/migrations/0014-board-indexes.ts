import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * The release board pages models by name, filtered by owner team or risk tier: (column, name)
 * serves each filter's keyset page as one index range instead of a scan of every model.
 */
export const boardIndexes: MigrationFactory = () => ({
  async up(db: MigrationDb) {
    await db.schema
      .createIndex('models_by_team')
      .on('models')
      .columns(['owner_team', 'name'])
      .execute();
    await db.schema
      .createIndex('models_by_risk_tier')
      .on('models')
      .columns(['risk_tier', 'name'])
      .execute();
  },
});
