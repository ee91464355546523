import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * Two read paths made cheap. The identity epoch: one counter, bumped in the transaction of every change to who may do what: a user added, a
 * role granted or revoked, a token created or revoked. A server keeps resolved principals in
 * memory and re-reads only this row per request; when it moved, the cache is dropped, so a
 * revocation takes effect for the very next request on every server sharing the database.
 * Versions in registration order: the version list pages by (created_at, version) after a
 * known version, so a page is one range of this index instead of a sort of the whole model.
 */
export const identityEpochAndVersionOrder: MigrationFactory = () => ({
  async up(db: MigrationDb) {
    await db.schema
      .createTable('identity_epoch')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('epoch', 'bigint', (c) => c.notNull())
      .execute();
    await sql`insert into identity_epoch (id, epoch) values (1, 0)`.execute(db);
    await db.schema
      .createIndex('versions_in_registration_order')
      .on('versions')
      .columns(['model', 'created_at', 'version'])
      .execute();
  },
});
