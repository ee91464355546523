/**
 * An MLflow registration that loses its version number to another server's (refused `conflict`
 * in its transaction) tries the next number; its lineage evidence was recorded in the upload
 * ledger by the first attempt and is not charged to the user's quota again.
 */
import { expect, it } from 'vitest';
import type { Repositories, Store } from '../../src/app/index.js';
import { createModelVersion } from '../../src/app/mlflow/mlflow-writes.js';
import { forEachStore, people, setupModel } from './harness.js';

/**
 * The real store, except that the first registering transaction reads the model's numbering
 * as it was before another server's registration committed: it picks the number just taken.
 */
function staleNamesOnce(store: Store): Store {
  let stale = true;
  return new Proxy(store, {
    get(target, property) {
      if (property !== 'transaction') return Reflect.get(target, property, target);
      return <T>(work: (tx: Repositories) => Promise<T>) =>
        target.transaction((tx) =>
          work({
            ...tx,
            versions: {
              ...tx.versions,
              numberingNames: async (model: string) => {
                const names = await tx.versions.numberingNames(model);
                if (!stale) return names;
                stale = false;
                // As if the other server's version (the highest number) were not there yet.
                return { ...names, highestDigits: names.highestDigits - 1 };
              },
            },
          }),
        );
    },
  });
}

forEachStore('MLflow registration retried after a taken number', (open) => {
  it('charges its lineage evidence to the upload quota once', async () => {
    const h = await open();
    await setupModel(h, 'recommender', 'home-feed', 'medium');
    const input = { name: 'home-feed', source: 's3://models/home-feed/1', runId: 'run-1' };
    await createModelVersion(h.deps, people.ci, input);
    const usage = () =>
      h.store.read((tx) => tx.blobUploads.usageSince(people.ci.id, '2000-01-01T00:00:00.000Z'));
    expect((await usage()).files).toBe(1);
    const made = await createModelVersion(
      { ...h.deps, store: staleNamesOnce(h.store) },
      people.ci,
      {
        ...input,
        source: 's3://models/home-feed/2',
        runId: 'run-2',
      },
    );
    expect(made.version).toBe('2');
    expect((await usage()).files).toBe(2);
  });
});
