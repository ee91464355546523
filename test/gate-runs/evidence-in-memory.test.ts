/**
 * A gate run reads stored evidence held in memory (no temporary directory) when it is small, and
 * unpacked to a directory when it is larger than `inMemoryRunBytes`: both ways, and on this
 * thread, the same input gives the same results — explanations, observed values and problems
 * included — for a passing candidate against its production baseline and for a corrupted blob.
 */
import { afterEach, expect, it } from 'vitest';
import { type GateRunInput, requestTransition } from '../../src/app/index.js';
import { GateWorkerPool, InProcessGateRunner } from '../../src/gate-runs/index.js';
import {
  addVersion,
  forEachStore,
  people,
  type StoreHarness,
  seedProduction,
  setupModel,
  toStaging,
} from '../app/harness.js';

const model = 'credit-risk-pd';

forEachStore('gate runs on evidence held in memory', (open) => {
  const pools: GateWorkerPool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  function pool(h: StoreHarness, inMemoryRunBytes?: number): GateWorkerPool {
    const budgets = { timeBudgetSeconds: 60, memoryBudgetMb: 1024, workers: 1 };
    const made = new GateWorkerPool({
      blobs: h.blobs,
      budgets,
      ...(inMemoryRunBytes === undefined ? {} : { inMemoryRunBytes }),
    });
    pools.push(made);
    return made;
  }

  /** The production request's gate run input, as the use case hands it to the runner. */
  async function productionRun(h: StoreHarness): Promise<GateRunInput> {
    await setupModel(h, 'credit-risk', model, 'regulated');
    await addVersion(h, { model, version: '1', dir: 'credit-risk/baseline' });
    await seedProduction(h, model, '1');
    await addVersion(h, { model, version: '2', dir: 'credit-risk/candidates/passing' });
    await toStaging(h, model, '2');
    const inputs: GateRunInput[] = [];
    const inner = h.deps.gateRunner;
    const { gateResults: _uncached, ...uncached } = h.deps;
    const deps = {
      ...uncached,
      gateRunner: {
        run: (input: GateRunInput) => {
          inputs.push(input);
          return inner.run(input);
        },
      },
    };
    await requestTransition(deps, people.mlops, {
      model,
      version: '2',
      to: 'production',
      reason: 'Quarterly refresh',
      ticket: 'RISK-1',
    });
    const [input] = inputs;
    if (input === undefined) throw new Error('no gate run');
    return input;
  }

  it('answers the same results held in memory, unpacked to disk and on this thread', async () => {
    const h = await open();
    const input = await productionRun(h);
    expect(input.baseline?.length).toBeGreaterThan(0);
    const held = await pool(h).run(input);
    const unpacked = await pool(h, 0).run(input);
    const here = await new InProcessGateRunner(h.blobs).run(input);
    expect(held.map((g) => [g.gateId, g.outcome])).toEqual([
      ['auc', 'pass'],
      ['ks', 'pass'],
      ['approval-rate-parity', 'pass'],
      ['repro', 'pass'],
      ['supply-chain', 'pass'],
      ['documents', 'pass'],
    ]);
    expect(held).toEqual(unpacked);
    expect(here).toEqual(held);
  });

  it('names a corrupted blob alike held in memory and unpacked', async () => {
    const h = await open();
    const input = await productionRun(h);
    const sbom = input.candidate.find((r) => r.path === 'sbom.cdx.json');
    if (!sbom) throw new Error('no SBOM');
    await h.tamperBlob(sbom.digest, new TextEncoder().encode('{}'));
    const held = await pool(h).run(input);
    const unpacked = await pool(h, 0).run(input);
    const supply = held.find((g) => g.gateId === 'supply-chain');
    expect(supply?.outcome).toBe('error');
    expect(supply?.explanation).toContain(`${sbom.digest} is corrupted`);
    expect(held).toEqual(unpacked);
  });
});
