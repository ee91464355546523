/**
 * Emergency expiry evaluates the standard path's gates ahead of its write transaction, like a
 * request or an execution (ADR 014): while its run waits for a worker or takes its budget, the
 * write lock is free, and the transaction takes the result for the very same input.
 */
import { expect, it } from 'vitest';
import { createUser, expireEmergencies, type GateRunInput } from '../../src/app/index.js';
import { executedHotfix } from '../http/review-fixture.js';
import { forEachStore, people } from './harness.js';

const slowMs = 2000;

forEachStore('emergency expiry evaluates its gates ahead', (open, engine) => {
  it('holds no write lock while its gate run is slow, and runs it once', async () => {
    const h = await open();
    await executedHotfix(h);
    h.clock.advance(72 * 3600_000);
    const real = h.deps.gateRunner;
    let runs = 0;
    let started = 0;
    // Stands in for a governed run waiting for a worker, or taking its time budget.
    h.deps.gateRunner = {
      run: async (input: GateRunInput) => {
        runs += 1;
        started += 1;
        await new Promise((r) => setTimeout(r, slowMs));
        return real.run(input);
      },
    };
    const expiry = expireEmergencies(h.deps);
    while (started < 1) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    await createUser(h.deps, people.admin, { id: 'unrelated.user' });
    const writeMs = Date.now() - t0;
    const outcomes = await expiry;
    console.log(`[${engine}] expiry ${JSON.stringify(outcomes)}; unrelated write ${writeMs} ms`);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.outcome).toBe('rolled_back');
    expect(writeMs).toBeLessThan(slowMs / 2);
    expect(runs).toBe(1);
  });
});
