import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * MLflow's mutable metadata (issue 14): tags on models and versions, plain (non-governed) aliases
 * and version descriptions. A version's registration tags stay in its immutable lineage; a row
 * here overrides one, and a row with a null value records that the tag was deleted. Model
 * descriptions live in `models.description` (0001).
 */
export const mlflowMetadata: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    const time = dialect.capabilities.timestampType;
    await db.schema
      .createTable('model_tags')
      .addColumn('model', 'text', (c) => c.notNull().references('models.name'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('model_tags_pk', ['model', 'key'])
      .execute();
    await db.schema
      .createTable('version_tags')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text')
      .addColumn('updated_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('version_tags_pk', ['model', 'version', 'key'])
      .addForeignKeyConstraint('version_tags_version_fk', ['model', 'version'], 'versions', [
        'model',
        'version',
      ])
      .execute();
    // One alias names one version of its model: the primary key is the uniqueness.
    await db.schema
      .createTable('model_aliases')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('alias', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('model_aliases_pk', ['model', 'alias'])
      .addForeignKeyConstraint('model_aliases_version_fk', ['model', 'version'], 'versions', [
        'model',
        'version',
      ])
      .execute();
    await db.schema
      .createTable('version_descriptions')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('version_descriptions_pk', ['model', 'version'])
      .addForeignKeyConstraint(
        'version_descriptions_version_fk',
        ['model', 'version'],
        'versions',
        ['model', 'version'],
      )
      .execute();
  },
});
