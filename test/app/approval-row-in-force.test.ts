/**
 * An approval that leaves its request pending still writes what is in force now into the request's
 * row: the model's policy may have changed since the request was opened, and later readers (the
 * request's reply, its cancellation's audit entry) take the digests from the row (ADR 028 skips
 * only a write that would change nothing).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  cancelRequest,
  importProduction,
  recordApproval,
  registerPolicy,
  requestTransition,
  setModelPolicy,
} from '../../src/app/index.js';
import {
  addVersion,
  examplesDir,
  forEachStore,
  people,
  readAudit,
  setupModel,
  toStaging,
} from './harness.js';

const credit = 'credit-risk-pd';

forEachStore('a pending approval and the policy in force', (open) => {
  it('stores the policy in force at the sign-off, and the cancellation audits it', async () => {
    const h = await open();
    const first = await setupModel(h, 'credit-risk', credit, 'regulated');
    await addVersion(h, { model: credit, version: '2026.1', dir: 'credit-risk/baseline' });
    await importProduction(h.deps, people.admin, { model: credit, version: '2026.1', reason: 'x' });
    await addVersion(h, { model: credit, version: '2026.3', dir: 'credit-risk/candidates/hotfix' });
    await toStaging(h, credit, '2026.3');
    const { request } = await requestTransition(h.deps, people.mlops, {
      model: credit,
      version: '2026.3',
      to: 'production',
      reason: 'Hotfix',
      ticket: 'RISK-7',
    });
    expect(request.policyDigest).toBe(first.digest);
    const text = readFileSync(join(examplesDir, 'credit-risk', 'policy.yaml'), 'utf8');
    const revised = text.replace(
      'description: Consumer-loan repayment scorecard governed under SR 11-7.',
      'description: Consumer-loan repayment scorecard, revised.',
    );
    expect(revised).not.toBe(text);
    const second = await registerPolicy(h.deps, people.admin, { text: revised });
    await setModelPolicy(h.deps, people.admin, {
      model: credit,
      policyDigest: second.digest,
      reason: 'revised description',
    });
    const result = await recordApproval(h.deps, people.owner, {
      requestId: request.id,
      role: 'model_owner',
      decision: 'approve',
      comment: 'ok',
      ticket: 'RISK-7',
      riskClass: 'high',
    });
    expect(result.request.status).toBe('pending');
    expect(result.request.policyDigest).toBe(second.digest);
    const stored = await h.store.read((tx) => tx.requests.get(request.id));
    expect(stored?.policyDigest).toBe(second.digest);
    await cancelRequest(h.deps, people.mlops, { requestId: request.id, reason: 'withdrawn' });
    const cancelled = (await readAudit(h)).find((e) => e.action === 'transition.cancelled');
    expect(cancelled?.digests?.policy).toBe(second.digest);
  });
});
