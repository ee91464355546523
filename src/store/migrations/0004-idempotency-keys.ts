import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * Idempotency-Key records shared by every server on the database. Not append-only: records are
 * purged after their retention (24 hours), and they are a cache of responses, not history.
 */
export const idempotencyKeys: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    const time = dialect.capabilities.timestampType;
    await db.schema
      .createTable('idempotency_keys')
      .addColumn('principal_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('location', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['principal_id', 'key'])
      .execute();
    await db.schema
      .createIndex('idempotency_keys_created_at')
      .on('idempotency_keys')
      .column('created_at')
      .execute();
  },
});
