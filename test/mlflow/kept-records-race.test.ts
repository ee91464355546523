/**
 * The MLflow reads kept per server (`mlflow-queries.ts`, `readCache`): a kept registered model is
 * filed under the data version read when it was kept, so what it holds must be read after that
 * version. Here a description update commits between a request's model check (`getModel`) and its
 * lookup of the kept MLflow records: that request may answer the older description, but nothing
 * kept may outlive the update, so every read after the update answers the new one.
 */
import { expect, it } from 'vitest';
import { hotReads, type Store } from '../../src/app/index.js';
import { updateModelDescription } from '../../src/app/mlflow/mlflow-metadata.js';
import { getRegisteredModel } from '../../src/app/mlflow/mlflow-queries.js';
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
    expect(calls).toBeGreaterThan(2);
    expect(['', 'NEW', undefined]).toContain(during.description);
    for (let i = 0; i < 3; i++) {
      expect((await getRegisteredModel(deps, people.admin, { name: 'm' })).description).toBe('NEW');
    }
  });
});
