/**
 * Reviewer attacks on the gates evaluated ahead of the write transaction and their result cache
 * (issue 12, r/attack): a caller without the role, a policy changed in between, a second request
 * after a refusal. The cache may only change what a transition costs, never what it decides.
 */
import { expect, it } from 'vitest';
import {
  type AppDeps,
  attachEvidence,
  executeTransition,
  registerModel,
  registerPolicy,
  registerVersion,
  requestTransition,
  setModelPolicy,
} from '../../src/app/index.js';
import type { GateRunInput, GateRunner } from '../../src/app/shared/ports.js';
import { forEachStore, people, readAudit, refusal, type StoreHarness } from './harness.js';

const policyWith = (maxLatency: number) => `apiVersion: clearance/v1
kind: Policy
metadata: { name: gates-ahead-${maxLatency}, riskTier: medium }
roles: [mlops, tech_lead, admin]
transitions:
  - from: draft
    to: staging
    requestedBy: [mlops]
    gates:
      - { id: latency, type: metric, metric: latency_p95_ms, max: ${maxLatency} }
    approvals:
      - { role: tech_lead }
`;
const model = 'churn';
const bytes = (text: string) => new TextEncoder().encode(text);
const metrics = { path: 'metrics.json', bytes: bytes('{"latency_p95_ms": 80}') };

async function setup(h: StoreHarness): Promise<void> {
  const registered = await registerPolicy(h.deps, people.admin, { text: policyWith(120) });
  await registerModel(h.deps, people.admin, {
    name: model,
    ownerTeam: 'ml',
    riskTier: 'medium',
    policyDigest: registered.digest,
  });
  await registerVersion(h.deps, people.ci, {
    model,
    version: '1',
    artifactUri: 's3://m/churn/1',
    artifactDigest: `sha256:${'ab'.repeat(32)}`,
    lineage: {},
  });
  await attachEvidence(h.deps, people.ci, { model, version: '1', files: [metrics] });
}

function recording(deps: AppDeps, between?: () => Promise<void>) {
  const inputs: GateRunInput[] = [];
  const inner = deps.gateRunner;
  const runner: GateRunner = {
    async run(input) {
      inputs.push(input);
      const results = await inner.run(input);
      if (inputs.length === 1 && between) await between();
      return results;
    },
  };
  return { inputs, deps: { ...deps, gateRunner: runner } };
}

forEachStore('attack: gates evaluated ahead', (open) => {
  it('runs no gate for a caller without the role, refuses and audits the refusal', async () => {
    const h = await open();
    await setup(h);
    const { inputs, deps } = recording(h.deps);
    const before = (await readAudit(h)).length;
    const error = await refusal(
      requestTransition(deps, people.tech, { model, version: '1', to: 'staging', reason: 'x' }),
    );
    expect(error.code).toBe('forbidden');
    expect(inputs).toHaveLength(0);
    const added = (await readAudit(h)).slice(before);
    expect(added.map((e) => e.action)).toEqual(['access.denied']);
  });

  it('judges by the policy set between the evaluation ahead and the transaction', async () => {
    const h = await open();
    await setup(h);
    const strict = await registerPolicy(h.deps, people.admin, { text: policyWith(50) });
    const { inputs, deps } = recording(h.deps, async () => {
      await setModelPolicy(h.deps, people.admin, {
        model,
        policyDigest: strict.digest,
        reason: 'Tighter latency',
      });
    });
    const { request, decision } = await requestTransition(deps, people.mlops, {
      model,
      version: '1',
      to: 'staging',
      reason: 'Ready',
    });
    expect(inputs).toHaveLength(2);
    expect(request.policyDigest).toBe(strict.digest);
    expect(decision.gates.find((g) => g.gateId === 'latency')?.outcome).toBe('fail');
  });

  it('a refused execution by a caller without the role runs no gate and changes nothing', async () => {
    const h = await open();
    await setup(h);
    const { request } = await requestTransition(h.deps, people.mlops, {
      model,
      version: '1',
      to: 'staging',
      reason: 'Ready',
    });
    const { inputs, deps } = recording(h.deps);
    const before = (await readAudit(h)).length;
    const error = await refusal(executeTransition(deps, people.risk, { requestId: request.id }));
    expect(error.code).toBe('forbidden');
    expect(inputs).toHaveLength(0);
    const added = (await readAudit(h)).slice(before);
    expect(added.map((e) => e.action)).toEqual(['access.denied']);
  });
});
