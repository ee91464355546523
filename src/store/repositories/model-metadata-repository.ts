import type { ModelMetadataRepository } from '../../app/shared/ports.js';
import type { RepositoryContext } from '../columns.js';
import { modelsWritten } from './model-repository.js';

export function modelMetadataRepository({ db }: RepositoryContext): ModelMetadataRepository {
  return {
    async modelTags(model) {
      const rows = await db
        .selectFrom('model_tags')
        .select(['key', 'value'])
        .where('model', '=', model)
        .orderBy('key')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.key, r.value]));
    },
    async setModelTag({ model, key, value, at }) {
      if (value === null) {
        await db
          .deleteFrom('model_tags')
          .where('model', '=', model)
          .where('key', '=', key)
          .execute();
        return;
      }
      await db
        .insertInto('model_tags')
        .values({ model, key, value, updated_at: at })
        .onConflict((oc) => oc.columns(['model', 'key']).doUpdateSet({ value, updated_at: at }))
        .execute();
    },
    async versionTags(model, version) {
      let query = db
        .selectFrom('version_tags')
        .select(['model', 'version', 'key', 'value', 'updated_at'])
        .where('model', '=', model);
      if (version !== undefined) query = query.where('version', '=', version);
      const rows = await query.orderBy('version').orderBy('key').execute();
      return rows.map((r) => ({
        model: r.model,
        version: r.version,
        key: r.key,
        value: r.value,
        at: typeof r.updated_at === 'string' ? r.updated_at : r.updated_at.toISOString(),
      }));
    },
    async setVersionTag({ model, version, key, value, at }) {
      await db
        .insertInto('version_tags')
        .values({ model, version, key, value, updated_at: at })
        .onConflict((oc) =>
          oc.columns(['model', 'version', 'key']).doUpdateSet({ value, updated_at: at }),
        )
        .execute();
    },
    async removeVersionTag({ model, version, key }) {
      await db
        .deleteFrom('version_tags')
        .where('model', '=', model)
        .where('version', '=', version)
        .where('key', '=', key)
        .execute();
    },
    async aliases(model) {
      return db
        .selectFrom('model_aliases')
        .select(['alias', 'version'])
        .where('model', '=', model)
        .orderBy('alias')
        .execute();
    },
    async setAlias({ model, alias, version, at }) {
      if (version === null) {
        await db
          .deleteFrom('model_aliases')
          .where('model', '=', model)
          .where('alias', '=', alias)
          .execute();
        return;
      }
      await db
        .insertInto('model_aliases')
        .values({ model, alias, version, updated_at: at })
        .onConflict((oc) => oc.columns(['model', 'alias']).doUpdateSet({ version, updated_at: at }))
        .execute();
    },
    async versionDescriptions(model) {
      const rows = await db
        .selectFrom('version_descriptions')
        .select(['version', 'description'])
        .where('model', '=', model)
        .execute();
      return Object.fromEntries(rows.map((r) => [r.version, r.description]));
    },
    async setVersionDescription({ model, version, description, at }) {
      await db
        .insertInto('version_descriptions')
        .values({ model, version, description, updated_at: at })
        .onConflict((oc) =>
          oc.columns(['model', 'version']).doUpdateSet({ description, updated_at: at }),
        )
        .execute();
    },
    async setModelDescription(model, description) {
      modelsWritten(db);
      await db.updateTable('models').set({ description }).where('name', '=', model).execute();
    },
  };
}
