import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * Approvals bind to the baseline evidence they saw (ADR 007). `baseline_digest` holds the
 * baseline's evidence digest, or `none` when the transition read no baseline or there was none.
 * Rows written before this migration keep NULL: what baseline they saw is unknown, so they no
 * longer count when a request executes and their approvers must sign again.
 */
export const approvalBaseline: MigrationFactory = () => ({
  async up(db: MigrationDb) {
    await db.schema.alterTable('approvals').addColumn('baseline_digest', 'text').execute();
  },
});
