/**
 * MLflow's `model-versions/create` names its model (ADR 051): on PostgreSQL, registrations of
 * different models asked for together run side by side in one transaction, with no savepoint
 * each; registrations of one model still run in turn, so each takes the next number. On every
 * engine each gets its own number and audit entry, and the log stays whole.
 */
import { expect, it } from 'vitest';
import { storedRoot } from '../../src/app/audit-log/audit-tree.js';
import { createModelVersion } from '../../src/app/mlflow/mlflow-writes.js';
import { rootFromLeafHashes } from '../../src/audit/index.js';
import { forEachStore, people, readAudit, setupModel } from './harness.js';
import { insertRunsInto } from './statement-runs.js';

forEachStore('MLflow registrations of many models at once', (open, engine) => {
  it('numbers each model in turn and runs different models side by side', async () => {
    const h = await open();
    const models = ['feed-a', 'feed-b', 'feed-c', 'feed-d'];
    for (const name of models) await setupModel(h, 'recommender', name, 'medium');
    const runAgainBefore = h.store.writeStats?.().runAgain ?? 0;
    // The longest run of version inserts sent with no savepoint between them.
    const runs = insertRunsInto('versions');
    let made: PromiseSettledResult<{ name: string; version: string }>[];
    try {
      // Every registration queues behind a write that holds the write path a while, so they
      // share one transaction: two of each model. No run id, so no lineage evidence and no
      // upload-ledger write ahead of the registration.
      const holding = h.store.transaction(() => new Promise((done) => setTimeout(done, 500)));
      made = await Promise.allSettled(
        [...models, ...models].map((name, k) =>
          createModelVersion(h.deps, people.ci, {
            name,
            source: `s3://models/${name}/${k}`,
          }),
        ),
      );
      await holding;
    } finally {
      runs.stop();
    }
    expect(made.map((s) => s.status)).toEqual(made.map(() => 'fulfilled'));
    const numbers = new Map<string, string[]>();
    for (const s of made) {
      if (s.status !== 'fulfilled') continue;
      numbers.set(s.value.name, [...(numbers.get(s.value.name) ?? []), s.value.version].sort());
    }
    expect(Object.fromEntries(numbers)).toEqual(
      Object.fromEntries(models.map((name) => [name, ['1', '2']])),
    );
    const entries = await readAudit(h);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, k) => k));
    expect(entries.filter((e) => e.action === 'version.registered')).toHaveLength(8);
    // The tree's stored nodes agree with the leaves the interleaved appends wrote.
    await h.store.read(async (tx) => {
      const leaves = await tx.audit.leafHashes(0, entries.length);
      const fromNodes = Buffer.from(await storedRoot(tx, entries.length)).toString('hex');
      expect(fromNodes).toBe(Buffer.from(rootFromLeafHashes(leaves)).toString('hex'));
    });
    // PostgreSQL: the first registration of each model side by side (all four when all eight
    // reached the queue while the first write held it, the usual case); SQLite: each in turn.
    if (engine === 'postgres') expect(runs.longest()).toBeGreaterThanOrEqual(2);
    else expect(runs.longest()).toBe(1);
    expect((h.store.writeStats?.().runAgain ?? 0) - runAgainBefore).toBe(0);
  });
});
