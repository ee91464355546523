import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * Model history reads the log by action ("which promotions and rollbacks, in order"); without an
 * index that is a scan of every entry. (action, seq) serves the keyset pages it reads.
 */
export const auditActionIndex: MigrationFactory = () => ({
  async up(db: MigrationDb) {
    await db.schema
      .createIndex('audit_entries_by_action')
      .on('audit_entries')
      .columns(['action', 'seq'])
      .execute();
  },
});
