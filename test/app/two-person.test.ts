import { expect, it } from 'vitest';
import { executeTransition, recordApproval, requestTransition } from '../../src/app/index.js';
import {
  addVersion,
  forEachStore,
  people,
  person,
  refusal,
  seedProduction,
  setupModel,
  toStaging,
} from './harness.js';

forEachStore('medical-imaging: two-person rule', (open) => {
  async function setup() {
    const h = await open();
    await setupModel(h, 'medical-imaging', 'cxr-triage', 'safety-critical');
    await addVersion(h, {
      model: 'cxr-triage',
      version: '3.0',
      dir: 'medical-imaging/candidates/passing',
    });
    await toStaging(h, 'cxr-triage', '3.0');
    const { request, decision } = await requestTransition(h.deps, people.mlops, {
      model: 'cxr-triage',
      version: '3.0',
      to: 'production',
      reason: 'Locked clinical test set passed',
      ticket: 'CAB-77',
    });
    return { h, request, decision };
  }
  const sign = (role: string) => ({
    role,
    decision: 'approve' as const,
    comment: 'Clinical safety reviewed',
    ticket: 'CAB-77',
    riskClass: 'high' as const,
  });

  it('needs a senior clinician and a model owner who are two people', async () => {
    const { h, request, decision } = await setup();
    expect(decision.outcome).toBe('allowed');
    const both = person('dr.both', 'senior_clinician', 'model_owner');
    await recordApproval(h.deps, both, { requestId: request.id, ...sign('senior_clinician') });
    const error = await refusal(
      recordApproval(h.deps, both, { requestId: request.id, ...sign('model_owner') }),
    );
    expect(error.code).toBe('forbidden');
    expect(
      (await refusal(executeTransition(h.deps, people.mlops, { requestId: request.id }))).message,
    ).toContain('model_owner');
    await recordApproval(h.deps, people.owner, { requestId: request.id, ...sign('model_owner') });
    const done = await executeTransition(h.deps, people.mlops, { requestId: request.id });
    expect(done.request.status).toBe('executed');
  });
});

forEachStore('repeated sign-offs', (open) => {
  it('refuses the same sign-off twice and records it once', async () => {
    const h = await open();
    await setupModel(h, 'medical-imaging', 'cxr-triage', 'safety-critical');
    await addVersion(h, {
      model: 'cxr-triage',
      version: '3.0',
      dir: 'medical-imaging/candidates/passing',
    });
    await toStaging(h, 'cxr-triage', '3.0');
    const { request } = await requestTransition(h.deps, people.mlops, {
      model: 'cxr-triage',
      version: '3.0',
      to: 'production',
      reason: 'Locked clinical test set passed',
      ticket: 'CAB-78',
    });
    const sign = {
      requestId: request.id,
      role: 'senior_clinician',
      decision: 'approve' as const,
      comment: 'Reviewed',
      ticket: 'CAB-78',
      riskClass: 'high' as const,
    };
    await recordApproval(h.deps, people.clinician, sign);
    const again = await refusal(recordApproval(h.deps, people.clinician, sign));
    expect(again.code).toBe('conflict');
    expect(again.message).toContain('already approved');
    const stored = await h.store.read((tx) => tx.approvals.list(request.id));
    expect(stored.filter((a) => a.approver === people.clinician.id)).toHaveLength(1);
  });
});

forEachStore('recommender: model_owner + product_owner', (open) => {
  it('executes with both sign-offs and not before', async () => {
    const h = await open();
    const model = 'home-feed';
    await setupModel(h, 'recommender', model, 'medium');
    await addVersion(h, { model, version: 'b1', dir: 'recommender/baseline' });
    await seedProduction(h, model, 'b1');
    await addVersion(h, { model, version: 'c1', dir: 'recommender/candidates/passing' });
    await toStaging(h, model, 'c1');
    const { request, decision } = await requestTransition(h.deps, people.mlops, {
      model,
      version: 'c1',
      to: 'production',
      reason: 'CTR lift',
    });
    expect(decision.outcome).toBe('allowed');
    await recordApproval(h.deps, people.owner, {
      requestId: request.id,
      role: 'model_owner',
      decision: 'approve',
      comment: 'ok',
      riskClass: 'low',
    });
    const early = await refusal(executeTransition(h.deps, people.mlops, { requestId: request.id }));
    expect(early.message).toContain('product_owner');
    await recordApproval(h.deps, people.product, {
      requestId: request.id,
      role: 'product_owner',
      decision: 'approve',
      comment: 'Business sign-off',
      riskClass: 'low',
    });
    const done = await executeTransition(h.deps, people.mlops, { requestId: request.id });
    // The recommender's policy has a canary: b1 stays in production beside 10% on the candidate.
    expect(done.request.status).toBe('executed');
    expect(done.rollout?.traffic).toBe(10);
    expect(done.demoted).toBeUndefined();
  });
});
