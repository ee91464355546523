/**
 * MLflow metadata's part of the store contract (0013): model tags upsert and delete; a version
 * tag's deletion is kept as a null value; an alias names one version per model and moves;
 * descriptions upsert; a version that does not exist cannot be tagged.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/app/shared/ports.js';
import { at, later, seedVersion } from './fixtures.js';
import { errorOf } from './store-contract.js';

export function metadataContract(store: () => Store): void {
  describe('MLflow metadata', () => {
    it('upserts and deletes model tags, keyed by model', async () => {
      const { model } = await store().transaction(seedVersion);
      await store().transaction(async (tx) => {
        await tx.metadata.setModelTag({ model: model.name, key: 'team', value: 'a', at });
        await tx.metadata.setModelTag({ model: model.name, key: 'team', value: 'b', at: later });
        await tx.metadata.setModelTag({ model: model.name, key: 'area', value: 'x', at });
      });
      expect(await store().read((tx) => tx.metadata.modelTags(model.name))).toEqual({
        area: 'x',
        team: 'b',
      });
      await store().transaction((tx) =>
        tx.metadata.setModelTag({ model: model.name, key: 'team', value: null, at }),
      );
      expect(await store().read((tx) => tx.metadata.modelTags(model.name))).toEqual({ area: 'x' });
    });

    it('keeps tags keyed __proto__ or constructor as own keys like any other', async () => {
      const { model } = await store().transaction(seedVersion);
      await store().transaction(async (tx) => {
        await tx.metadata.setModelTag({ model: model.name, key: '__proto__', value: 'p', at });
        await tx.metadata.setModelTag({ model: model.name, key: 'constructor', value: 'c', at });
      });
      const tags = await store().read((tx) => tx.metadata.modelTags(model.name));
      expect(Object.entries(tags)).toEqual([
        ['__proto__', 'p'],
        ['constructor', 'c'],
      ]);
      expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
    });

    it('records a version tag deletion as a null value', async () => {
      const { model, version } = await store().transaction(seedVersion);
      const tag = { model: model.name, version: version.version, key: 'k', at };
      await store().transaction(async (tx) => {
        await tx.metadata.setVersionTag({ ...tag, value: 'v' });
        await tx.metadata.setVersionTag({ ...tag, value: null, at: later });
      });
      const changes = await store().read((tx) => tx.metadata.versionTags(model.name));
      expect(changes.map(({ at: _at, ...rest }) => rest)).toEqual([
        { model: model.name, version: version.version, key: 'k', value: null },
      ]);
      expect(Date.parse(changes[0]?.at ?? '')).toBe(Date.parse(later));
    });

    it("reads one version's tag changes and removes a tag row", async () => {
      const { model, version } = await store().transaction(seedVersion);
      const tag = { model: model.name, version: version.version, at };
      await store().transaction(async (tx) => {
        await tx.metadata.setVersionTag({ ...tag, key: 'a', value: '1' });
        await tx.metadata.setVersionTag({ ...tag, key: 'b', value: '2' });
        await tx.metadata.removeVersionTag({ ...tag, key: 'a' });
      });
      const changes = await store().read((tx) =>
        tx.metadata.versionTags(model.name, version.version),
      );
      expect(changes.map((c) => [c.key, c.value])).toEqual([['b', '2']]);
      expect(
        await store().read((tx) => tx.metadata.versionTags(model.name, 'no-such-version')),
      ).toEqual([]);
    });

    it('keeps one version per alias and moves it; descriptions upsert', async () => {
      const { model, version } = await store().transaction(seedVersion);
      const name = model.name;
      await store().transaction(async (tx) => {
        await tx.metadata.setAlias({ model: name, alias: 'b', version: version.version, at });
        await tx.metadata.setAlias({ model: name, alias: 'a', version: version.version, at });
        await tx.metadata.setAlias({
          model: name,
          alias: 'a',
          version: version.version,
          at: later,
        });
        await tx.metadata.setVersionDescription({
          model: name,
          version: version.version,
          description: 'one',
          at,
        });
        await tx.metadata.setVersionDescription({
          model: name,
          version: version.version,
          description: 'two',
          at,
        });
        await tx.metadata.setModelDescription(name, 'about');
      });
      expect(await store().read((tx) => tx.metadata.aliases(name))).toEqual([
        { alias: 'a', version: version.version },
        { alias: 'b', version: version.version },
      ]);
      expect(await store().read((tx) => tx.metadata.versionDescriptions(name))).toEqual({
        [version.version]: 'two',
      });
      expect((await store().read((tx) => tx.models.get(name)))?.description).toBe('about');
      await store().transaction((tx) =>
        tx.metadata.setAlias({ model: name, alias: 'a', version: null, at }),
      );
      expect(await store().read((tx) => tx.metadata.aliases(name))).toHaveLength(1);
    });

    it('refuses an alias on a version that does not exist', async () => {
      const { model } = await store().transaction(seedVersion);
      const error = await errorOf(
        store().transaction((tx) =>
          tx.metadata.setAlias({ model: model.name, alias: 'x', version: 'missing', at }),
        ),
      );
      expect(error).toBeInstanceOf(Error);
    });
  });
}
