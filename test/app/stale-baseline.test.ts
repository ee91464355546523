/**
 * A promotion is judged against the production version in force when its latest gate decision was
 * made; if production has changed by execution time, the promotion is refused as a conflict.
 */
import { expect, it } from 'vitest';
import {
  cancelRequest,
  executeTransition,
  recordApproval,
  requestTransition,
  rollback,
} from '../../src/app/index.js';
import {
  addVersion,
  approveRecommenderPromotion,
  executeFully,
  forEachStore,
  people,
  readActions,
  refusal,
  type StoreHarness,
  seedProduction,
  setupModel,
  toStaging,
} from './harness.js';

const model = 'home-feed';

async function approvedPromotion(h: StoreHarness, version: string) {
  const { request } = await requestTransition(h.deps, people.mlops, {
    model,
    version,
    to: 'production',
    reason: `Promote ${version}`,
  });
  await approveRecommenderPromotion(h, request.id);
  return request;
}

async function twoCandidates(open: () => Promise<StoreHarness>) {
  const h = await open();
  await setupModel(h, 'recommender', model, 'medium');
  await addVersion(h, { model, version: 'b1', dir: 'recommender/baseline' });
  await seedProduction(h, model, 'b1');
  for (const version of ['c1', 'c2']) {
    await addVersion(h, { model, version, dir: 'recommender/candidates/passing' });
    await toStaging(h, model, version);
  }
  const first = await approvedPromotion(h, 'c1');
  const second = await approvedPromotion(h, 'c2');
  return { h, first, second };
}

forEachStore('promotion against a production version that has changed', (open) => {
  it('refuses the second of two approved promotions with a conflict naming both versions', async () => {
    const { h, first, second } = await twoCandidates(open);
    const done = await executeFully(h, people.mlops, first.id);
    expect(done.demoted).toBe('b1');
    const decisions = () => h.store.transaction((tx) => tx.decisions.list({ model }));
    const decisionsBefore = (await decisions()).length;

    const error = await refusal(executeTransition(h.deps, people.mlops, { requestId: second.id }));
    expect(error.code).toBe('conflict');
    expect(error.message).toBe(
      'Production changed from b1 to c1 since this request was evaluated; its approvals and baseline comparison refer to b1. Re-request against c1.',
    );
    // Nothing but the audit of the refusal: no decision, the request still approved, c2 in staging.
    expect(await decisions()).toHaveLength(decisionsBefore);
    expect((await readActions(h)).at(-1)).toBe('transition.conflict');
    const request = await h.store.transaction((tx) => tx.requests.get(second.id));
    const serving = await h.store.transaction((tx) => tx.serving.get(model));
    expect(request?.status).toBe('approved');
    expect(serving.production?.version).toBe('c1');
  });

  it('a new request is judged against the new production version, which it may not beat', async () => {
    const { h, first, second } = await twoCandidates(open);
    await executeFully(h, people.mlops, first.id);
    await refusal(executeTransition(h.deps, people.mlops, { requestId: second.id }));
    await cancelRequest(h.deps, people.mlops, { requestId: second.id, reason: 'Stale baseline' });
    // c2 has c1's evidence: it beat b1, but it does not beat c1 — the comparison the refusal forces.
    const { decision } = await requestTransition(h.deps, people.mlops, {
      model,
      version: 'c2',
      to: 'production',
      reason: 'Promote c2 over c1',
    });
    expect(decision.baseline?.version).toBe('c1');
    expect(decision.gates.find((g) => g.gateId === 'ctr-lift')?.outcome).toBe('fail');
  });

  it('refuses a promotion judged before a rollback changed production', async () => {
    const { h, first, second } = await twoCandidates(open);
    await executeFully(h, people.mlops, first.id);
    await cancelRequest(h.deps, people.mlops, { requestId: second.id, reason: 'Re-request' });
    const third = await approvedPromotion(h, 'c2');
    await rollback(h.deps, people.admin, { model, reason: 'CTR dropped' });
    const error = await refusal(executeTransition(h.deps, people.mlops, { requestId: third.id }));
    expect(error.code).toBe('conflict');
    expect(error.message).toContain('from c1 to b1');
  });

  it('refuses a first promotion once another version has reached production', async () => {
    const h = await open();
    const cxr = 'cxr-triage';
    await setupModel(h, 'medical-imaging', cxr, 'safety-critical');
    const requests = [];
    for (const version of ['3.0', '3.1']) {
      await addVersion(h, { model: cxr, version, dir: 'medical-imaging/candidates/passing' });
      await toStaging(h, cxr, version);
      const { request } = await requestTransition(h.deps, people.mlops, {
        model: cxr,
        version,
        to: 'production',
        reason: 'Locked clinical test set passed',
        ticket: 'CAB-77',
      });
      for (const [who, role] of [
        [people.clinician, 'senior_clinician'],
        [people.owner, 'model_owner'],
      ] as const) {
        const sign = { decision: 'approve', comment: 'Reviewed', ticket: 'CAB-77' } as const;
        await recordApproval(h.deps, who, {
          requestId: request.id,
          role,
          riskClass: 'high',
          ...sign,
        });
      }
      requests.push(request);
    }
    const [first, second] = requests;
    if (!first || !second) throw new Error('two requests expected');
    await executeFully(h, people.mlops, first.id);
    const error = await refusal(executeTransition(h.deps, people.mlops, { requestId: second.id }));
    expect(error.code).toBe('conflict');
    expect(error.message).toContain('from no production version to 3.0');
  });
});
