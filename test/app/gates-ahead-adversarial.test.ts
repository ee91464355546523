/**
 * Reviewer attacks on the gates evaluated ahead of the write transaction and their result cache
 * (issue 12, r/attack): a caller without the role, a policy changed in between, a second request
 * after a refusal. The cache may only change what a transition costs, never what it decides.
 */
import { expect, it } from 'vitest';
import {
  executeTransition,
  registerPolicy,
  requestTransition,
  setModelPolicy,
} from '../../src/app/index.js';
import { churn, recordingRunner, registerChurn } from './churn-fixture.js';
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
const model = churn;

const setup = (h: StoreHarness) => registerChurn(h.deps, policyWith(120));
const recording = recordingRunner;

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
