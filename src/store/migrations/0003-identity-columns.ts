import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * Who created users and tokens, users' teams, and who revoked a token. Existing rows (none are
 * written before this migration) would read as created by `system:migration`. SQLite adds one
 * column per statement, so each is its own ALTER.
 */
export const identityColumns: MigrationFactory = () => ({
  async up(db: MigrationDb) {
    const createdBy = 'system:migration';
    await db.schema.alterTable('users').addColumn('team', 'text').execute();
    await db.schema
      .alterTable('users')
      .addColumn('created_by', 'text', (c) => c.notNull().defaultTo(createdBy))
      .execute();
    await db.schema
      .alterTable('api_tokens')
      .addColumn('created_by', 'text', (c) => c.notNull().defaultTo(createdBy))
      .execute();
    await db.schema.alterTable('api_tokens').addColumn('revoked_by', 'text').execute();
    await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
  },
});
