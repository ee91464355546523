import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * The upload ledger: who sent how many bytes for which blob, when — recorded before the bytes are
 * stored. Per-user upload quotas sum it over a rolling window; blob collection keeps any blob
 * uploaded within its grace period (an attach may still be in flight). Not append-only: rows
 * older than the quota window and the grace period are purged by blob collection.
 */
export const blobUploads: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    const time = dialect.capabilities.timestampType;
    await db.schema
      .createTable('blob_uploads')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('principal_id', 'text', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('uploaded_at', time, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('blob_uploads_by_principal')
      .on('blob_uploads')
      .columns(['principal_id', 'uploaded_at'])
      .execute();
    await db.schema
      .createIndex('blob_uploads_by_digest')
      .on('blob_uploads')
      .columns(['digest', 'uploaded_at'])
      .execute();
    await db.schema.createIndex('evidence_by_digest').on('evidence').column('digest').execute();
  },
});
