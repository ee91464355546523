/**
 * `Store.writeStats` (ADR 050), which `/metrics` exposes: writes are counted by how they ended,
 * concurrent writes share transactions (group commit) and the transaction count says how many,
 * the time a transaction ran and the time writes waited are measured, and a write that waited
 * past the limit is counted as such, on every engine.
 */
import { expect, it, onTestFinished } from 'vitest';
import { ClearanceError } from '../../src/domain/index.js';
import { createStore } from '../../src/store/index.js';
import { eachEngine } from './engines.js';
import { auditInput } from './fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

eachEngine('write path stats', (engine) => {
  it('counts committed and failed writes, the transactions they shared, busy and wait time', async () => {
    const store = await engine.openStore();
    const sizeBefore = await store.read((tx) => tx.audit.size());
    const before = store.writeStats?.();
    expect(before).toEqual({
      committed: 0,
      failed: 0,
      waitExceeded: 0,
      transactions: 0,
      busySeconds: 0,
      waitSeconds: 0,
      runAgain: 0,
    });
    // The first runs alone (30 ms); the other eleven are asked for while it runs, wait for it,
    // and then share the next transaction. `firstEnded`: when the first's work ended.
    let firstEnded = 0;
    const write = (k: number, ms: number) =>
      store.transaction(async (tx) => {
        await tx.audit.append(auditInput(`stats-${k}`));
        // Long enough that the running and waiting times are measurable on a loaded host.
        await sleep(ms);
        if (k === 0) firstEnded = performance.now();
        if (k % 4 === 3) throw new ClearanceError('invalid_input', `write ${k} refuses`);
        return k;
      });
    const first = write(0, 30);
    await sleep(5);
    const others = Array.from({ length: 11 }, (_, k) => write(k + 1, 5));
    // Each of them was asked for (its wait began) by now.
    const othersAsked = performance.now();
    const outcomes = await Promise.allSettled([first, ...others]);
    const rejected = outcomes.filter((o) => o.status === 'rejected').length;
    expect(rejected).toBe(3);
    const after = store.writeStats?.();
    expect(after?.committed).toBe(9);
    expect(after?.failed).toBe(3);
    expect(after?.waitExceeded).toBe(0);
    expect(after?.transactions).toBe(2);
    // 30 ms, then eleven 5 ms works one after another, one transaction at a time.
    expect(after?.busySeconds).toBeGreaterThanOrEqual((0.03 + 11 * 0.005) * 0.9);
    // The eleven asked for about 5 ms into the first's 30 ms waited for it to end: each at least
    // the time from being asked to the first's end (measured, as a loaded host stretches timers).
    const waitedAtLeast = Math.max(0, firstEnded - othersAsked) / 1000;
    expect(after?.waitSeconds).toBeGreaterThanOrEqual(11 * waitedAtLeast);
    // The audit log holds the nine that committed and none of the three that failed.
    expect(await store.read((tx) => tx.audit.size())).toBe(sizeBefore + 9);
  });

  it('counts a write that waited past the limit, and nothing ran for it', async () => {
    const store = await createStore({ ...engine.config(), writeWaitLimitMs: 100 });
    onTestFinished(() => store.close());
    const outcome = await store
      .transaction(() => store.transaction(async () => 'inner'))
      .then(
        () => 'ran',
        () => 'failed',
      );
    expect(outcome).toBe('failed');
    const stats = store.writeStats?.();
    // The inner write waited for the outer one, which waited for it: the inner one is counted as
    // having waited too long, the outer one as failed with its error.
    expect(stats?.waitExceeded).toBe(1);
    expect(stats?.failed).toBe(1);
    expect(stats?.committed).toBe(0);
    expect(stats?.transactions).toBe(1);
    expect(stats?.waitSeconds).toBeGreaterThanOrEqual(0.1 * 0.9);
  });
});
