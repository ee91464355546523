/**
 * A dry run reads its gate run's input in a snapshot and evaluates it with no transaction open
 * (ADR 035): its advisory run may wait behind governed runs or take its whole budget, and while it
 * does it holds no connection — on SQLite the server's reads would queue behind it, on PostgreSQL
 * ten dry runs would take the whole pool — so reads and governed requests go on meanwhile.
 */
import { expect, it } from 'vitest';
import { type GateRunInput, listModels, requestTransition } from '../../src/app/index.js';
import { dryRunTransition } from '../../src/app/transitions/dry-run-transition.js';
import { addVersion, forEachStore, people, setupModel } from './harness.js';

const auditor = { id: 'rita.reader', kind: 'user' as const, roles: [{ role: 'auditor' }] };
const advisoryMs = 2000;

forEachStore('a dry run holds no transaction while its gate run waits', (open, engine) => {
  it('lets a read and a governed request through while slow advisory runs go on', async () => {
    const h = await open();
    await setupModel(h, 'recommender', 'home-feed', 'medium');
    await addVersion(h, {
      model: 'home-feed',
      version: 'v1',
      dir: 'recommender/candidates/passing',
    });
    await addVersion(h, {
      model: 'home-feed',
      version: 'v2',
      dir: 'recommender/candidates/passing',
    });
    const real = h.deps.gateRunner;
    let advisoryStarted = 0;
    // Stands in for advisory runs queued behind others or using their whole time budget.
    h.deps.gateRunner = {
      run: async (input: GateRunInput) => {
        if (input.priority === 'advisory') {
          advisoryStarted += 1;
          await new Promise((r) => setTimeout(r, advisoryMs));
        }
        return real.run(input);
      },
    };
    // As many dry runs as the PostgreSQL pool has connections (10).
    const dryRuns = Array.from({ length: 10 }, () =>
      dryRunTransition(h.deps, auditor, { model: 'home-feed', version: 'v1', to: 'staging' }),
    );
    // SQLite runs one read transaction at a time; PostgreSQL gives each dry run a connection.
    const started = engine === 'sqlite' ? 1 : 10;
    while (advisoryStarted < started) await new Promise((r) => setTimeout(r, 10));
    const r0 = Date.now();
    await listModels(h.deps, people.admin);
    const readMs = Date.now() - r0;
    const g0 = Date.now();
    const request = await requestTransition(h.deps, people.owner, {
      model: 'home-feed',
      version: 'v2',
      to: 'staging',
      reason: 'governed, beside dry runs',
    });
    const governedMs = Date.now() - g0;
    const results = await Promise.all(dryRuns);
    console.log(`[${engine}] read ${readMs} ms, governed request ${governedMs} ms`);
    expect(results.map((r) => r.outcome)).toEqual(Array(10).fill('pass'));
    expect(request.decision.outcome).toBeDefined();
    expect(readMs).toBeLessThan(advisoryMs / 2);
    expect(governedMs).toBeLessThan(advisoryMs / 2);
  });
});
