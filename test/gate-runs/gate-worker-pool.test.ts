/**
 * The server's gate runner: runs in worker threads off the event loop, within a time and a
 * memory budget; over either, every gate of the run is `error` naming the budget, and the pool
 * goes on with a fresh worker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  backtestPolicy,
  registerModel,
  registerPolicy,
  registerVersion,
  requestTransition,
} from '../../src/app/index.js';
import type { EvidenceRecord } from '../../src/domain/index.js';
import { type GateRunBudgets, GateWorkerPool } from '../../src/gate-runs/index.js';
import { harness, people, type StoreHarness } from '../app/harness.js';
import { stubServer } from '../http/fixture.js';
import { servedPool } from './replayed-run.js';

const model = 'budgeted';
const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: budgets, riskTier: medium }
roles: [model_owner, tech_lead, admin]
evaluationSet: { id: budget-set, label: label, score: score }
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    gates:
      - { id: auc, type: metric, metric: auc, min: 0.6 }
      - { id: ks, type: metric, metric: ks, min: 0.05 }
      - { id: secrets, type: security, sbom: optional, secrets: deny }
    approvals: [{ role: tech_lead }]
`;

const pools: GateWorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function poolFor(h: StoreHarness, budgets: Partial<GateRunBudgets> = {}): GateWorkerPool {
  const pool = new GateWorkerPool({
    blobs: h.blobs,
    budgets: { timeBudgetSeconds: 60, memoryBudgetMb: 1024, workers: 1, ...budgets },
  });
  pools.push(pool);
  return pool;
}

/** Predictions whose AUC is well above 0.6: positives score higher, with overlap. */
function predictionsCsv(rows: number): Uint8Array {
  const lines = ['label,score'];
  for (let i = 0; i < rows; i++) {
    const label = i % 2;
    const score = (label * 0.3 + ((i * 7919) % 1000) / 1000) / 1.3;
    lines.push(`${label},${score.toFixed(6)}`);
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/** Stores evidence as records and blobs directly, as anything already stored would be. */
async function storeEvidence(
  h: StoreHarness,
  version: string,
  files: { path: string; bytes: Uint8Array }[],
): Promise<void> {
  for (const file of files) {
    const { digest, size } = await h.blobs.put(file.bytes);
    const record: EvidenceRecord = {
      model,
      version,
      path: file.path,
      kind: file.path === 'predictions.csv' ? 'predictions' : 'other',
      digest,
      size,
      mediaType: 'application/octet-stream',
      attachedAt: h.clock.now().toISOString(),
      attachedBy: people.ci.id,
    };
    await h.store.transaction((tx) => tx.evidence.insert(record));
  }
}

async function setUp(
  h: StoreHarness,
  version: string,
  files: { path: string; bytes: Uint8Array }[],
) {
  if (!(await h.store.read((tx) => tx.models.get(model)))) {
    const registered = await registerPolicy(h.deps, people.admin, { text: policy });
    await registerModel(h.deps, people.admin, {
      name: model,
      ownerTeam: 'ml-platform',
      riskTier: 'medium',
      policyDigest: registered.digest,
    });
  }
  await registerVersion(h.deps, people.ci, {
    model,
    version,
    artifactUri: `s3://models/${model}/${version}`,
    artifactDigest: `sha256:${'ab'.repeat(32)}`,
    lineage: {},
  });
  await storeEvidence(h, version, files);
}

const request = (h: StoreHarness, version: string) =>
  requestTransition(h.deps, people.owner, { model, version, to: 'staging', reason: 'Ready' });

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('GateWorkerPool', () => {
  it('answers /healthz while a long gate run is under way in a worker', async () => {
    const h = harness();
    const pool = poolFor(h);
    h.deps.gateRunner = pool;
    // 24 text files of 1 MiB: the secrets gate scans 24 MiB in one synchronous stretch.
    const text = new TextEncoder().encode('lorem ipsum '.repeat(87_381));
    const files = Array.from({ length: 24 }, (_, i) => ({ path: `notes/${i}.txt`, bytes: text }));
    await setUp(h, '1', [...files, { path: 'predictions.csv', bytes: predictionsCsv(10_000) }]);
    const { app } = stubServer();
    let settled = false;
    const run = request(h, '1').finally(() => {
      settled = true;
    });
    // The worker is scanning: on the event loop, nothing could even observe this step before
    // it ended, and the run ends straight after it.
    await until(() => pool.runningSteps().includes('evaluating gate secrets'));
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(settled).toBe(false);
    const { decision } = await run;
    expect(decision.gates.map((g) => [g.gateId, g.outcome])).toEqual([
      ['auc', 'pass'],
      ['ks', 'pass'],
      ['secrets', 'pass'],
    ]);
    await app.close();
  });

  it('makes every gate of an over-time run error, naming the budget, and answers 201', async () => {
    const h = harness();
    const pool = poolFor(h, { timeBudgetSeconds: 0.001 });
    await setUp(h, '1', [{ path: 'predictions.csv', bytes: predictionsCsv(200_000) }]);
    const { app, identity } = servedPool(h, pool);
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/requests',
      headers: { authorization: identity.bearer(people.owner.id, 'model_owner') },
      payload: { model, version: '1', to: 'staging', reason: 'Ready' },
    });
    expect(response.statusCode).toBe(201);
    const gates = response.json().decision.gates as { outcome: string; explanation: string }[];
    expect(gates).toHaveLength(3);
    for (const gate of gates) {
      expect(gate.outcome).toBe('error');
      expect(gate.explanation).toContain('went over its time budget of 0.001 s');
      expect(gate.explanation).toContain('raise gateTimeBudgetSeconds');
    }
    // The stopped worker is replaced: the next run is judged (and stopped) the same way.
    h.deps.gateRunner = pool;
    await setUp(h, '2', [{ path: 'predictions.csv', bytes: predictionsCsv(200_000) }]);
    const again = await request(h, '2');
    expect(again.decision.gates.map((g) => g.details.gateRun)).toEqual([
      'over_time_budget',
      'over_time_budget',
      'over_time_budget',
    ]);
    const metrics = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: identity.bearer(people.owner.id, 'model_owner') },
    });
    expect(metrics.body).toContain('clearance_gate_runs_total{result="over_time_budget"} 2');
    expect(metrics.body).toContain('clearance_gate_runs_total{result="completed"} 0');
    expect(metrics.body).toContain('clearance_gate_runs_running 0');
    // A backtest cannot judge such a decision: it is listed as unevaluable, with the reason.
    const backtest = await backtestPolicy(h.deps, people.admin, { policyText: policy });
    expect(backtest.evaluated).toBe(0);
    expect(backtest.unevaluable).toHaveLength(2);
    expect(backtest.unevaluable[0]?.reason).toContain('went over its time budget of 0.001 s');
    await app.close();
  });

  it('makes a run that exhausts its worker’s memory an error, then runs the next one', async () => {
    const h = harness();
    const pool = poolFor(h, { memoryBudgetMb: 64 });
    h.deps.gateRunner = pool;
    // 160 text files of 1 MiB: the reader holds every text file as a string for the secret scan.
    const text = new TextEncoder().encode('lorem ipsum '.repeat(87_381));
    const files = Array.from({ length: 160 }, (_, i) => ({ path: `notes/${i}.txt`, bytes: text }));
    await setUp(h, '1', [...files, { path: 'predictions.csv', bytes: predictionsCsv(1_000) }]);
    const first = await request(h, '1');
    for (const gate of first.decision.gates) {
      expect(gate.outcome).toBe('error');
      expect(gate.explanation).toContain('went over its memory budget of 64 MiB');
      expect(gate.explanation).toContain('raise gateMemoryBudgetMb');
    }
    await setUp(h, '2', [{ path: 'predictions.csv', bytes: predictionsCsv(1_000) }]);
    const next = await request(h, '2');
    expect(next.decision.gates.map((g) => [g.gateId, g.outcome])).toEqual([
      ['auc', 'pass'],
      ['ks', 'pass'],
      ['secrets', 'pass'],
    ]);
  });
});
