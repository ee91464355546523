/**
 * Gates evaluated ahead of the write transaction (ADR 014): the transaction reuses the result
 * only for the very input it reads under its lock. Evidence attached between the evaluation and
 * the transaction is another input: evaluated again, never a stale pass. And the reuse changes
 * nothing that is recorded: the same steps with and without the result cache leave the same
 * decisions and the same audit log.
 */
import { expect, it } from 'vitest';
import {
  type AppDeps,
  attachEvidence,
  executeTransition,
  GateResultCache,
  recordApproval,
  requestTransition,
} from '../../src/app/index.js';
import { ClearanceError } from '../../src/domain/index.js';
import { churn, recordingRunner, registerChurn } from './churn-fixture.js';
import { forEachStore, people, readAudit, refusal, type StoreHarness } from './harness.js';

const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: gates-ahead, riskTier: medium }
roles: [mlops, tech_lead, admin]
transitions:
  - from: draft
    to: staging
    requestedBy: [mlops]
    gates:
      - { id: latency, type: metric, metric: latency_p95_ms, max: 120 }
      - { id: no-secrets, type: security, sbom: optional, secrets: deny }
    approvals:
      - { role: tech_lead }
`;
const model = churn;
const bytes = (text: string) => new TextEncoder().encode(text);
// An AWS access key id: the security gate's secret scan fails on it.
const leaked = { path: 'notes.md', bytes: bytes('# Notes\n\nkey AKIAQWERTYUIOPASDFGH\n') };

async function setup(h: StoreHarness, deps: AppDeps = h.deps): Promise<void> {
  await registerChurn(deps, policy);
}

const recording = recordingRunner;

async function fullPath(deps: AppDeps) {
  const { request } = await requestTransition(deps, people.mlops, {
    model,
    version: '1',
    to: 'staging',
    reason: 'Ready',
  });
  await recordApproval(deps, people.tech, {
    requestId: request.id,
    role: 'tech_lead',
    decision: 'approve',
    comment: 'Fine',
    riskClass: 'low',
  });
  return executeTransition(deps, people.mlops, { requestId: request.id });
}

forEachStore('gates evaluated ahead of the write transaction', (open) => {
  it('re-evaluates when evidence is attached between the evaluation and the transaction', async () => {
    const h = await open();
    await setup(h);
    const attach = async () => {
      await attachEvidence(h.deps, people.ci, { model, version: '1', files: [leaked] });
    };
    const { inputs, deps } = recording(h.deps, attach);

    const { decision } = await requestTransition(deps, people.mlops, {
      model,
      version: '1',
      to: 'staging',
      reason: 'Ready',
    });

    // The first run (ahead, on metrics.json alone) passed both gates; the transaction read two
    // files under its lock, so it evaluated them rather than take that pass.
    expect(inputs.map((i) => i.candidate.map((r) => r.path).sort())).toEqual([
      ['metrics.json'],
      ['metrics.json', 'notes.md'],
    ]);
    expect(decision.evidence.map((e) => e.path).sort()).toEqual(['metrics.json', 'notes.md']);
    expect(decision.gates.find((g) => g.gateId === 'no-secrets')?.outcome).toBe('fail');
    expect(decision.outcome).toBe('denied');
  });

  it('answers a duplicate request conflict, not busy, when its gate run ahead is refused', async () => {
    const h = await open();
    await setup(h);
    const input = { model, version: '1', to: 'staging', reason: 'Ready' };
    // Another server's view: nothing cached, and the gate workers' queues full.
    let runs = 0;
    const full: AppDeps = {
      ...h.deps,
      gateResults: new GateResultCache(),
      gateRunner: {
        async run() {
          runs += 1;
          throw new ClearanceError('busy', 'The gate workers are busy.');
        },
      },
    };
    // Without an open request, busy is the answer: come back later.
    expect((await refusal(requestTransition(full, people.mlops, input))).code).toBe('busy');
    const { request } = await requestTransition(h.deps, people.mlops, input);
    const before = (await readAudit(h)).map((e) => e.action);
    const duplicate = await refusal(requestTransition(full, people.mlops, input));
    expect(duplicate.code).toBe('conflict');
    expect(duplicate.message).toContain(`already has open request ${request.id}`);
    expect(runs).toBe(2);
    const after = (await readAudit(h)).map((e) => e.action);
    expect(after.slice(before.length)).not.toContain('transition.requested');
  });

  it('takes the result evaluated ahead when the transaction reads the same input', async () => {
    const h = await open();
    await setup(h);
    const { inputs, deps } = recording(h.deps);
    const done = await fullPath(deps);
    // One run for the request (ahead; the transaction reused it) and none for the execution,
    // whose input — the same evidence, the same policy, no baseline — had been evaluated.
    expect(inputs).toHaveLength(1);
    expect(done.request.status).toBe('executed');
    expect(done.decision.gates.map((g) => g.outcome)).toEqual(['pass', 'pass']);
  });

  it('a failed execution on cached gates still refuses: approvals are counted under the lock', async () => {
    const h = await open();
    await setup(h);
    const { request } = await requestTransition(h.deps, people.mlops, {
      model,
      version: '1',
      to: 'staging',
      reason: 'Ready',
    });
    const error = await refusal(executeTransition(h.deps, people.mlops, { requestId: request.id }));
    expect(error.code).toBe('precondition_failed');
  });

  it('records the same decisions and audit log with and without the result cache', async () => {
    const cached = await open();
    const plain = await open();
    const { gateResults: _unused, ...uncached } = plain.deps;
    await setup(cached);
    await setup(plain, uncached);
    const withCache = await fullPath(cached.deps);
    const withoutCache = await fullPath(uncached);
    expect(withCache.decision).toEqual(withoutCache.decision);
    const entries = async (h: StoreHarness) =>
      (await readAudit(h)).map((e) => JSON.stringify({ ...e, seq: undefined }));
    expect(await entries(cached)).toEqual(await entries(plain));
  });
});

it('keeps results within its bounds, least recently used out first, and never an error', () => {
  const cache = new GateResultCache({ entries: 2, bytes: 1_000_000 });
  const result = (outcome: 'pass' | 'error') => [
    {
      gateId: 'g',
      type: 'metric' as const,
      outcome,
      observed: 1,
      threshold: '<= 2',
      explanation: 'x',
      details: {},
    },
  ];
  cache.put('a', result('pass'));
  cache.put('b', result('pass'));
  expect(cache.get('a')).toEqual(result('pass')); // a is now the most recently used
  cache.put('c', result('pass'));
  expect(cache.get('b')).toBeUndefined();
  expect(cache.get('a')).toBeDefined();
  cache.put('d', result('error'));
  expect(cache.get('d')).toBeUndefined();
  const copy = cache.get('c');
  if (copy?.[0]) copy[0].outcome = 'fail';
  expect(cache.get('c')?.[0]?.outcome).toBe('pass');
  const tiny = new GateResultCache({ entries: 10, bytes: 10 });
  tiny.put('big', result('pass'));
  expect(tiny.get('big')).toBeUndefined();
});
