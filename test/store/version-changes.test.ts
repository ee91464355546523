/**
 * `version_changes` (migration 0017): the database's triggers add to a model's count whenever its
 * version rows change, in the changing transaction, so a version list kept under the count
 * (`countedCache`) is read again exactly when it could differ. A hand-written statement counts too.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { type Repositories, registerVersion } from '../../src/app/index.js';
import { openDialect, type StoreConfig } from '../../src/store/index.js';
import { forEachStore, people, type StoreHarness, setupModel } from '../app/harness.js';

const model = 'credit-risk-pd';
const other = 'credit-risk-lgd';
const digest = (c: string) => `sha256:${c.repeat(64)}`;

forEachStore('version change counts', (open, engine) => {
  async function twoModels(): Promise<StoreHarness> {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    await setupModel(h, 'credit-risk', other, 'regulated');
    return h;
  }
  const countOf = (h: StoreHarness, name: string) =>
    h.deps.store.readOne((tx) => tx.versions.changes(name));
  const register = (h: StoreHarness, name: string, version: string) =>
    registerVersion(h.deps, people.ci, {
      model: name,
      version,
      artifactUri: `s3://models/${name}/${version}`,
      artifactDigest: digest('a'),
      lineage: {},
    });

  it('moves with each version registered and each state set, for that model only', async () => {
    const h = await twoModels();
    // A model's serving row is written with it (migration 0030 counts it too).
    const start = await countOf(h, model);
    const otherStart = await countOf(h, other);
    await register(h, model, '1.0.0');
    const registered = await countOf(h, model);
    expect(registered).toBeGreaterThan(start);
    expect(await countOf(h, other)).toBe(otherStart);
    await h.deps.store.transaction((tx) =>
      tx.versions.setState({
        model,
        version: '1.0.0',
        state: 'staging',
        since: h.clock.now().toISOString(),
      }),
    );
    const staged = await countOf(h, model);
    expect(staged).toBeGreaterThan(registered);
    await register(h, other, '1.0.0');
    expect(await countOf(h, model)).toBe(staged);
    expect(await countOf(h, other)).toBeGreaterThan(otherStart);
  });

  it('moves with each MLflow metadata change and each serving change, for that model only', async () => {
    const h = await twoModels();
    await register(h, model, '1.0.0');
    await register(h, other, '1.0.0');
    const at = h.clock.now().toISOString();
    const changes: [string, (tx: Repositories) => Promise<unknown>][] = [
      ['model tag', (tx) => tx.metadata.setModelTag({ model, key: 'team', value: 'x', at })],
      [
        'model tag removed',
        (tx) => tx.metadata.setModelTag({ model, key: 'team', value: null, at }),
      ],
      [
        'version tag',
        (tx) => tx.metadata.setVersionTag({ model, version: '1.0.0', key: 'k', value: 'v', at }),
      ],
      [
        'version tag removed',
        (tx) => tx.metadata.removeVersionTag({ model, version: '1.0.0', key: 'k' }),
      ],
      ['alias', (tx) => tx.metadata.setAlias({ model, alias: 'blue', version: '1.0.0', at })],
      ['alias removed', (tx) => tx.metadata.setAlias({ model, alias: 'blue', version: null, at })],
      [
        'version description',
        (tx) =>
          tx.metadata.setVersionDescription({ model, version: '1.0.0', description: 'd', at }),
      ],
      ['serving', (tx) => tx.serving.set({ model, production: { version: '1.0.0', since: at } })],
    ];
    for (const [what, change] of changes) {
      const before = await countOf(h, model);
      const otherBefore = await countOf(h, other);
      await h.deps.store.transaction(change);
      expect(await countOf(h, model), what).toBeGreaterThan(before);
      expect(await countOf(h, other), what).toBe(otherBefore);
    }
    // Every model's count in one statement, as `changes` reads them one by one.
    const all = await h.deps.store.readOne((tx) => tx.versions.allChanges());
    expect(all.get(model)).toBe(await countOf(h, model));
    expect(all.get(other)).toBe(await countOf(h, other));
    expect(all.has('no-such-model')).toBe(false);
  });

  it('does not move for a write that rolled back', async () => {
    const h = await twoModels();
    await register(h, model, '1.0.0');
    const before = await countOf(h, model);
    const now = h.clock.now().toISOString();
    const failed = h.deps.store.transaction(async (tx) => {
      await tx.versions.setState({ model, version: '1.0.0', state: 'staging', since: now });
      expect(await tx.versions.changes(model)).toBeGreaterThan(before);
      throw new Error('roll back');
    });
    await expect(failed).rejects.toThrow('roll back');
    expect(await countOf(h, model)).toBe(before);
  });

  it.skipIf(engine === 'memory')(
    'moves for a version row rewritten by hand behind the service',
    async () => {
      const h = await twoModels();
      await register(h, model, '1.0.0');
      const before = await countOf(h, model);
      const otherBefore = await countOf(h, other);
      const database = h.database as string;
      const config: StoreConfig = database.startsWith('sqlite:')
        ? { engine: 'sqlite', file: database.slice('sqlite:'.length) }
        : { engine: 'postgres', url: database };
      const dialect = openDialect(config);
      try {
        for (const statement of dialect.dropAppendOnlyStatements('versions'))
          await sql.raw(statement).execute(dialect.db);
        await sql`update versions set artifact_uri = 's3://fixed' where model = ${model}`.execute(
          dialect.db,
        );
      } finally {
        await dialect.destroy();
      }
      expect(await countOf(h, model)).toBeGreaterThan(before);
      expect(await countOf(h, other)).toBe(otherBefore);
    },
  );

  it.runIf(engine === 'postgres')(
    'counts past 2³¹ on PostgreSQL (a 64-bit column since migration 0030)',
    async () => {
      const h = await twoModels();
      await register(h, model, '1.0.0');
      const dialect = openDialect({ engine: 'postgres', url: h.database as string });
      try {
        await sql`update version_changes set changes = 2147483647 where model = ${model}`.execute(
          dialect.db,
        );
      } finally {
        await dialect.destroy();
      }
      const at = h.clock.now().toISOString();
      await h.deps.store.transaction((tx) =>
        tx.metadata.setModelTag({ model, key: 'team', value: 'x', at }),
      );
      expect(await countOf(h, model)).toBe(2147483648);
    },
  );

  it.runIf(engine === 'postgres')(
    'moves every model’s count for a TRUNCATE by hand, models counted since before it too',
    async () => {
      const h = await twoModels();
      await register(h, model, '1.0.0');
      const database = h.database as string;
      const dialect = openDialect({ engine: 'postgres', url: database });
      try {
        // As after an upgrade: versions from before migration 0017 have no count row yet.
        await sql`delete from version_changes`.execute(dialect.db);
        await sql`truncate version_states`.execute(dialect.db);
      } finally {
        await dialect.destroy();
      }
      expect(await countOf(h, model)).toBeGreaterThan(0);
      expect(await countOf(h, other)).toBeGreaterThan(0);
    },
  );
});
