import { expect, it } from 'vitest';
import {
  executeTransition,
  recordApproval,
  registerModel,
  requestTransition,
} from '../../src/app/index.js';
import { auditFailure, failingAuditStore } from './failing-audit-store.js';
import {
  addVersion,
  forEachStore,
  people,
  refusal,
  type StoreHarness,
  seedProduction,
  setupModel,
  toStaging,
} from './harness.js';
import { storeContents } from './store-contents.js';

/** The harness's store behind a failing audit log; `h.store` still reads the database directly. */
function breakable(h: StoreHarness) {
  const audit = failingAuditStore(h.store);
  return { audit, deps: { ...h.deps, store: audit } };
}

forEachStore('fail closed', (open) => {
  it('a throwing audit append leaves no state change', async () => {
    const h = await open();
    const { audit, deps } = breakable(h);
    const policy = await setupModel(h, 'credit-risk', 'credit-risk-pd', 'regulated');
    await addVersion(h, {
      model: 'credit-risk-pd',
      version: '1',
      dir: 'credit-risk/candidates/passing',
    });
    const before = await storeContents(h.store);
    audit.failAfter(0);
    const request = await refusal(
      requestTransition(deps, people.owner, {
        model: 'credit-risk-pd',
        version: '1',
        to: 'staging',
        reason: 'go',
      }),
    );
    expect(request.message).toBe(auditFailure);
    const model = await refusal(
      registerModel(deps, people.admin, {
        name: 'other',
        ownerTeam: 't',
        riskTier: 'low',
        policyDigest: policy.digest,
      }),
    );
    expect(model.message).toBe(auditFailure);
    const after = await storeContents(h.store);
    expect(after.audit.size).toBe(before.audit.size);
    expect(after).toEqual(before);
  });

  it('rolls back the entries a transaction appended before its audit write failed', async () => {
    const h = await open();
    const { audit, deps } = breakable(h);
    await setupModel(h, 'credit-risk', 'credit-risk-pd', 'regulated');
    await addVersion(h, {
      model: 'credit-risk-pd',
      version: '1',
      dir: 'credit-risk/candidates/passing',
    });
    const before = await storeContents(h.store);
    // transition.requested is written; gate.evaluated, after the decision row, is refused.
    audit.failAfter(1);
    const input = { model: 'credit-risk-pd', version: '1', to: 'staging', reason: 'go' };
    const error = await refusal(requestTransition(deps, people.owner, input));
    expect(error.message).toBe(auditFailure);
    expect(audit.appended).toBe(1);
    const after = await storeContents(h.store);
    expect(after.audit.size).toBe(before.audit.size);
    expect(after.models[0]?.requests).toEqual([]);
    expect(after.models[0]?.decisions).toEqual([]);
    expect(after).toEqual(before);
  });

  /** home-feed: b1 in production, c1 in staging with a production request. */
  async function recommender(h: StoreHarness) {
    const model = 'home-feed';
    await setupModel(h, 'recommender', model, 'medium');
    await addVersion(h, { model, version: 'b1', dir: 'recommender/baseline' });
    await seedProduction(h, model, 'b1');
    await addVersion(h, { model, version: 'c1', dir: 'recommender/candidates/passing' });
    await toStaging(h, model, 'c1');
    const { request } = await requestTransition(h.deps, people.mlops, {
      model,
      version: 'c1',
      to: 'production',
      reason: 'CTR lift',
    });
    return request;
  }

  const sign = (requestId: string, role: string, decision: 'approve' | 'reject' = 'approve') => ({
    requestId,
    role,
    decision,
    comment: 'Reviewed',
    riskClass: 'low' as const,
  });

  it('a promotion whose audit entry fails changes no version, serving, request or decision', async () => {
    const h = await open();
    const { audit, deps } = breakable(h);
    const request = await recommender(h);
    await recordApproval(h.deps, people.owner, sign(request.id, 'model_owner'));
    await recordApproval(h.deps, people.product, sign(request.id, 'product_owner'));
    const before = await storeContents(h.store);
    // gate.evaluated is written; rollout.started, after the canary's serving change, is refused.
    audit.failAfter(1);
    const error = await refusal(executeTransition(deps, people.mlops, { requestId: request.id }));
    expect(error.message).toBe(auditFailure);
    expect(audit.appended).toBe(1);
    const after = await storeContents(h.store);
    expect(after.audit.size).toBe(before.audit.size);
    expect(after.models[0]?.serving.production?.version).toBe('b1');
    expect(after).toEqual(before);

    // The same promotion goes through once the log accepts writes, with no gap in the log.
    audit.heal();
    const done = await executeTransition(deps, people.mlops, { requestId: request.id });
    expect(done.rollout?.traffic).toBe(10);
    const promoted = await storeContents(h.store);
    expect(promoted.models[0]?.serving.production?.version).toBe('b1');
    expect(promoted.models[0]?.serving.canary).toMatchObject({ version: 'c1', traffic: 10 });
    // gate.evaluated, rollout.started, transition.executed.
    expect(promoted.audit.entries.map((e) => e.entry.seq)).toEqual(
      Array.from({ length: before.audit.size + 3 }, (_, i) => i),
    );
  });

  it('a rejection whose audit entry fails records no approval and leaves the request open', async () => {
    const h = await open();
    const { audit, deps } = breakable(h);
    const request = await recommender(h);
    const before = await storeContents(h.store);
    // approval.recorded is written; transition.rejected, after the request update, is refused.
    audit.failAfter(1);
    const error = await refusal(
      recordApproval(deps, people.owner, sign(request.id, 'model_owner', 'reject')),
    );
    expect(error.message).toBe(auditFailure);
    expect(audit.appended).toBe(1);
    const after = await storeContents(h.store);
    expect(after.audit.size).toBe(before.audit.size);
    const stored = after.models[0]?.requests.find((r) => r.request.id === request.id);
    expect(stored?.request.status).toBe('pending');
    expect(stored?.approvals).toEqual([]);
    expect(after).toEqual(before);
  });
});
