/**
 * A transaction keeps the model rows it read for its later reads (model-repository.ts), so the
 * creates of a group-committed batch read their model once. Attacked where keeping can lie: a
 * write to a model in the same transaction, and a work that wrote a model and rolled back to its
 * savepoint while later works of its batch go on; and reads ahead (`readAhead`), which run on the
 * store's shared connections and must keep nothing past their own call.
 */
import { expect, it } from 'vitest';
import { eachEngine } from './engines.js';
import { model, policy } from './fixtures.js';

eachEngine('models kept by a transaction', (engine) => {
  async function seeded() {
    const store = await engine.openStore();
    const [first, second] = [policy(), policy()];
    const m = model(first.digest);
    await store.transaction(async (tx) => {
      await tx.policies.insert(first);
      await tx.policies.insert(second);
      await tx.models.insert(m);
    });
    return { store, m, first, second };
  }

  it('reads a model again after the transaction changed it', async () => {
    const { store, m, second } = await seeded();
    const seen = await store.transaction(async (tx) => {
      const before = await tx.models.get(m.name);
      await tx.models.setPolicy(m.name, second.digest);
      const afterPolicy = await tx.models.get(m.name);
      await tx.metadata.setModelDescription(m.name, 'changed in the transaction');
      const afterDescription = await tx.models.get(m.name);
      return [before?.policyDigest, afterPolicy?.policyDigest, afterDescription?.description];
    });
    expect(seen).toEqual([m.policyDigest, second.digest, 'changed in the transaction']);
  });

  it('reads a model afresh in the next transaction, whoever changed it', async () => {
    const { store, m, second } = await seeded();
    const read = () => store.transaction(async (tx) => (await tx.models.get(m.name))?.policyDigest);
    expect(await read()).toBe(m.policyDigest);
    // Behind the repository's back, from another connection: no repository call to drop rows.
    const other = engine.openDialect();
    await other.db
      .updateTable('models')
      .set({ policy_digest: second.digest })
      .where('name', '=', m.name)
      .execute();
    expect(await read()).toBe(second.digest);
  });

  it('keeps nothing from one read ahead for the next (ADR 042): they share no transaction', async () => {
    const { store, m, second } = await seeded();
    const read = () => store.readAhead(async (tx) => (await tx.models.get(m.name))?.policyDigest);
    expect(await read()).toBe(m.policyDigest);
    await store.transaction((tx) => tx.models.setPolicy(m.name, second.digest));
    expect(await read()).toBe(second.digest);
  });

  it('gives the next work of a batch the model as it was when a work that changed it rolled back', async () => {
    const { store, m, second } = await seeded();
    const failed = new Error('the work fails after changing the model');
    // Asked for in one tick: one batch, a savepoint each.
    const [changer, reader] = await Promise.allSettled([
      store.transaction(async (tx) => {
        await tx.models.get(m.name);
        await tx.models.setPolicy(m.name, second.digest);
        expect((await tx.models.get(m.name))?.policyDigest).toBe(second.digest);
        throw failed;
      }),
      store.transaction(async (tx) => (await tx.models.get(m.name))?.policyDigest),
    ]);
    expect(changer).toEqual({ status: 'rejected', reason: failed });
    expect(reader).toEqual({ status: 'fulfilled', value: m.policyDigest });
  });
});
