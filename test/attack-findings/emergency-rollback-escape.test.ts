/**
 * Attack finding F-emergency-rollback (MEDIUM): an emergency version that never satisfied the
 * standard path comes back to production, for good, through a plain `rollback` once its bypass
 * window has ended.
 *
 * The hotfix goes to production as an emergency (gates bypassed, one on-call sign-off). Within its
 * bypass window a standard promotion replaces it, so the hotfix becomes the serving view's rollback
 * target (moveVersion, src/app/transitions/move-version.ts:53). When the window ends,
 * `expireOne` (src/app/transitions/expire-emergencies.ts) sees the hotfix no longer in production
 * and only closes the request ("bypass ended: version is deprecated"). A promoter or break-glass
 * holder then calls `rollback` (src/app/transitions/rollback.ts): `eligibleTarget` accepts any
 * deprecated target, so the un-regularised hotfix serves production again with no standard gates,
 * no standard sign-offs and no expiry left to take it out.
 *
 * Fails on the current code; passes once a rollback refuses (or a promotion does not record as
 * target) a version whose emergency never reached the standard path.
 */
import { expect, it } from 'vitest';
import {
  executeTransition,
  expireEmergencies,
  recordApproval,
  requestTransition,
  rollback,
} from '../../src/app/index.js';
import {
  addVersion,
  creditRiskHotfix,
  harness,
  people,
  seedProduction,
  setupModel,
  signOffEmergency,
  toStaging,
} from '../app/harness.js';

const model = 'credit-risk-pd';
const hours = 3600_000;

it('F-emergency-rollback: an un-regularised emergency version cannot return through rollback after its window', async () => {
  const h = harness();
  await setupModel(h, 'credit-risk', model, 'regulated');
  await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
  await seedProduction(h, model, '2026.1');

  // The hotfix: an emergency with its gates bypassed and the on-call risk officer's sign-off only.
  await addVersion(h, {
    model,
    version: creditRiskHotfix.version,
    dir: 'credit-risk/candidates/hotfix',
  });
  await toStaging(h, model, creditRiskHotfix.version);
  const { request: emergency } = await requestTransition(
    h.deps,
    people.breakGlass,
    creditRiskHotfix,
  );
  await signOffEmergency(h, emergency.id);
  await executeTransition(h.deps, people.breakGlass, { requestId: emergency.id });

  // Within the window, a properly governed version replaces it.
  await addVersion(h, { model, version: '2026.2', dir: 'credit-risk/candidates/passing' });
  await toStaging(h, model, '2026.2');
  const { request } = await requestTransition(h.deps, people.mlops, {
    model,
    version: '2026.2',
    to: 'production',
    reason: 'Quarterly refresh',
    ticket: 'RISK-3',
  });
  for (const [who, role] of [
    [people.owner, 'model_owner'],
    [people.risk2, 'risk_officer'],
    [people.compliance, 'compliance_officer'],
  ] as const) {
    await recordApproval(h.deps, who, {
      requestId: request.id,
      role,
      decision: 'approve',
      comment: 'Reviewed',
      ticket: 'RISK-3',
      riskClass: 'medium',
    });
  }
  await executeTransition(h.deps, people.mlops, { requestId: request.id });

  // The bypass window ends: the hotfix is not serving, so the expiry only closes its request.
  h.clock.advance(73 * hours);
  const expired = await expireEmergencies(h.deps);
  expect(expired).toEqual([{ requestId: emergency.id, outcome: 'no_longer_serving' }]);

  // The break-glass holder rolls back: the hotfix, never regularised, serves again.
  await rollback(h.deps, people.breakGlass, { model, reason: 'the refresh misbehaves' }).catch(
    () => undefined,
  );
  const serving = await h.store.read((tx) => tx.serving.get(model));
  expect(serving.production?.version).not.toBe(creditRiskHotfix.version);
});
