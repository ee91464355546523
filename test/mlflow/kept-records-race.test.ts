/**
 * The MLflow reads kept per server (`mlflow-queries.ts`, ADR 048): a model's records are kept
 * under its change count (`version_changes`, migrations 0017 and 0030), read before the records,
 * and the model's own row is always read fresh. Here commits slip in mid-request: between a
 * request's model check and its records (a description, which lives on the model's row and is
 * read fresh), between the count a search reads for every model and the records it then reads (a
 * tag), and right after a search has read a model's records afresh (a tag). The request itself may
 * answer either side of the commit, but nothing kept may outlive it: every read after it answers
 * the change. Versions named as `Object.prototype`'s properties get no inherited tags or
 * description.
 */
import { expect, it } from 'vitest';
import { hotReads, registerVersion, type Store } from '../../src/app/index.js';
import { setModelTag, updateModelDescription } from '../../src/app/mlflow/mlflow-metadata.js';
import {
  getRegisteredModel,
  searchModelVersions,
  searchRegisteredModels,
} from '../../src/app/mlflow/mlflow-queries.js';
import { forEachStore, people, setupModel } from '../app/harness.js';

forEachStore('MLflow records kept per server', (open) => {
  it('answers a description updated between a request’s model check and its kept records', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', 'm', 'high');
    // The store as a server sees it, with a commit slipped in before its second data-version read.
    let calls = 0;
    let between: (() => Promise<unknown>) | undefined;
    const store: Store = Object.assign(Object.create(h.store) as Store, {
      async dataVersion() {
        calls += 1;
        const run = calls === 2 ? between : undefined;
        if (run !== undefined) await run();
        return h.store.dataVersion();
      },
    });
    const deps = { ...h.deps, store, hotReads: hotReads(store) };
    between = () => updateModelDescription(h.deps, people.admin, { name: 'm', description: 'NEW' });
    const during = await getRegisteredModel(deps, people.admin, { name: 'm' });
    // The commit ran inside the request.
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(['', 'NEW', undefined]).toContain(during.description);
    for (let i = 0; i < 3; i++) {
      expect((await getRegisteredModel(deps, people.admin, { name: 'm' })).description).toBe('NEW');
    }
  });

  it('reads every model’s change count once between commits, and again after one', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', 'a', 'high');
    let countReads = 0;
    const store: Store = Object.assign(Object.create(h.store) as Store, {
      async readOne<T>(work: Parameters<Store['readOne']>[0]): Promise<T> {
        const result = (await h.store.readOne(work)) as T;
        if (result instanceof Map) countReads += 1;
        return result;
      },
    });
    const deps = { ...h.deps, store, hotReads: hotReads(store) };
    for (let i = 0; i < 3; i++) await searchRegisteredModels(deps, people.admin, {});
    expect(countReads).toBe(1);
    await setModelTag(h.deps, people.admin, { name: 'a', key: 'team', value: 'x' });
    const after = await searchRegisteredModels(deps, people.admin, {});
    expect(countReads).toBe(2);
    expect(after.registered_models[0]?.tags.find((t) => t.key === 'team')?.value).toBe('x');
  });

  it('answers a tag set between a search’s change counts and the records it reads', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', 'a', 'high');
    await setupModel(h, 'credit-risk', 'b', 'high');
    // A tag is set right after the search has read every model's count, before any records.
    let armed = false;
    const store: Store = Object.assign(Object.create(h.store) as Store, {
      async readOne<T>(work: Parameters<Store['readOne']>[0]): Promise<T> {
        const result = (await h.store.readOne(work)) as T;
        if (armed && result instanceof Map) {
          armed = false;
          await setModelTag(h.deps, people.admin, { name: 'b', key: 'team', value: 'NEW' });
        }
        return result;
      },
    });
    const deps = { ...h.deps, store, hotReads: hotReads(store) };
    const tagOf = (found: Awaited<ReturnType<typeof searchRegisteredModels>>) =>
      found.registered_models.find((m) => m.name === 'b')?.tags.find((t) => t.key === 'team')
        ?.value;
    // Kept once, before the change.
    expect(tagOf(await searchRegisteredModels(deps, people.admin, {}))).toBeUndefined();
    // Any commit, so that the next search reads the counts again rather than keeping them.
    await setModelTag(h.deps, people.admin, { name: 'a', key: 'touch', value: '1' });
    armed = true;
    const during = await searchRegisteredModels(deps, people.admin, {});
    expect(armed).toBe(false);
    expect([undefined, 'NEW']).toContain(tagOf(during));
    for (let i = 0; i < 3; i++) {
      expect(tagOf(await searchRegisteredModels(deps, people.admin, {}))).toBe('NEW');
      expect(
        (await getRegisteredModel(deps, people.admin, { name: 'b' })).tags.find(
          (t) => t.key === 'team',
        )?.value,
      ).toBe('NEW');
    }
  });

  it('answers a tag committed right after a search read a model’s records afresh', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', 'a', 'high');
    await setupModel(h, 'credit-risk', 'b', 'high');
    // Right after the search's snapshot read of b's records returns, before the search files
    // them, a tag on b commits: what is filed must not be taken as current after that commit.
    let armed = false;
    let recordReads = 0;
    const store: Store = Object.assign(Object.create(h.store) as Store, {
      async read<T>(work: Parameters<Store['read']>[0]): Promise<T> {
        const result = (await h.store.read(work)) as T;
        const isRecords = typeof result === 'object' && result !== null && 'count' in result;
        if (armed && isRecords && ++recordReads === 2) {
          armed = false;
          await setModelTag(h.deps, people.admin, { name: 'b', key: 'team', value: 'NEW' });
        }
        return result;
      },
    });
    const deps = { ...h.deps, store, hotReads: hotReads(store) };
    armed = true;
    const during = await searchRegisteredModels(deps, people.admin, {});
    expect(armed).toBe(false);
    expect(during.registered_models.map((m) => m.name)).toEqual(['a', 'b']);
    for (let i = 0; i < 2; i++) {
      const tag = (await getRegisteredModel(deps, people.admin, { name: 'b' })).tags.find(
        (t) => t.key === 'team',
      )?.value;
      expect(tag).toBe('NEW');
    }
  });

  it('gives versions named as Object.prototype’s properties no inherited tags or description', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', 'm', 'high');
    // `__proto__` is not a version name Clearance accepts.
    for (const version of ['constructor', 'toString', 'valueOf']) {
      await registerVersion(h.deps, people.ci, {
        model: 'm',
        version,
        artifactUri: `s3://models/m/${version}`,
        artifactDigest: `sha256:${'a'.repeat(64)}`,
        lineage: {},
      });
    }
    const deps = { ...h.deps, hotReads: hotReads(h.store) };
    const found = await searchModelVersions(deps, people.admin, { filter: "name = 'm'" });
    expect(found.model_versions.map((v) => v.version).sort()).toEqual(
      ['constructor', 'toString', 'valueOf'].sort(),
    );
    for (const v of found.model_versions) {
      expect(v.description).toBe('');
      expect(v.tags).toEqual([]);
    }
  });
});
