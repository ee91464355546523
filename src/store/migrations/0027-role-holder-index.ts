import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * Who can sign off for a model (`roleHolders`: a request's awaited roles, review escalation) is
 * read from the bindings of those roles, global or for that model, rather than from every binding
 * of the registry. The unique index leads with the user, so it serves none of that; this one is a
 * range per role and model, and holds the user id too, so the bindings are never read.
 */
export const roleHolderIndex: MigrationFactory = () => ({
  async up(db: MigrationDb) {
    await db.schema
      .createIndex('role_bindings_by_role')
      // A test takes an upgraded database back to before 0025 and migrates it again.
      .ifNotExists()
      .on('role_bindings')
      .columns(['role', 'model', 'user_id'])
      .execute();
  },
});
