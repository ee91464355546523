/**
 * What a rollback may restore, and where it leaves the version it takes out. A version replaced in
 * production is the rollback target only while it still sits where its demotion left it and it
 * was not last put in production by an emergency whose window ended unregularised (gates bypassed,
 * one on-call sign-off, never judged): that one is refused, by a manual rollback and by an
 * emergency expiry alike; one whose window is still open may come back, and its expiry judges it
 * then. The version taken out lands in a state its policy declares. The rows agree with the
 * replayed log.
 */
import { expect, it } from 'vitest';
import {
  checkStoredState,
  executeTransition,
  expireEmergencies,
  getServing,
  importProduction,
  recordApproval,
  registerModel,
  registerPolicy,
  registerVersion,
  requestTransition,
  rollback,
} from '../../src/app/index.js';
import type { Principal } from '../../src/domain/index.js';
import {
  addVersion,
  creditRiskHotfix,
  forEachStore,
  people,
  promoteStandard,
  readAudit,
  refusal,
  type StoreHarness,
  setupModel,
  signOffEmergency,
  toStaging,
} from './harness.js';

const model = 'credit-risk-pd';
const hours = 3600_000;

/** The credit-risk model with 2026.1 imported into production (audited, so the log replays). */
async function creditRisk(h: StoreHarness) {
  await setupModel(h, 'credit-risk', model, 'regulated');
  await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
  await importProduction(h.deps, people.admin, {
    model,
    version: '2026.1',
    reason: 'Served before',
  });
}

/** `version` (in `dir`) to production as an emergency, signed off by the on-call risk officer. */
async function emergencyToProduction(h: StoreHarness, version: string, dir: string) {
  await addVersion(h, { model, version, dir });
  await toStaging(h, model, version);
  const { request } = await requestTransition(h.deps, people.breakGlass, {
    ...creditRiskHotfix,
    version,
  });
  await signOffEmergency(h, request.id);
  await executeTransition(h.deps, people.breakGlass, { requestId: request.id });
  return request.id;
}

const signOff = (
  h: StoreHarness,
  input: { requestId: string; by: Principal; role: string; ticket: string },
) =>
  recordApproval(h.deps, input.by, {
    requestId: input.requestId,
    role: input.role,
    decision: 'approve',
    comment: 'Reviewed',
    ticket: input.ticket,
    riskClass: 'medium',
  });

const serving = async (h: StoreHarness) => getServing(h.deps, people.admin, { model });

forEachStore('rollback target', (open) => {
  it('refuses to restore an emergency version replaced within its window and never regularised', async () => {
    const h = await open();
    await creditRisk(h);
    const hotfix = creditRiskHotfix.version;
    const emergency = await emergencyToProduction(h, hotfix, 'credit-risk/candidates/hotfix');
    const replaced = await promoteStandard(h, { model, version: '2026.2', ticket: 'RISK-3' });
    expect(replaced.demoted).toBe(hotfix);
    h.clock.advance(73 * hours);
    // The hotfix no longer serves when its window ends, so the expiry only closes its request.
    expect(await expireEmergencies(h.deps)).toEqual([
      { requestId: emergency, outcome: 'no_longer_serving' },
    ]);
    expect((await serving(h)).rollbackTarget?.version).toBe(hotfix);
    const logged = (await readAudit(h)).length;

    const refused = await refusal(
      rollback(h.deps, people.breakGlass, { model, reason: 'The refresh misbehaves' }),
    );
    expect(refused.code).toBe('precondition_failed');
    expect(refused.message).toContain(`${model}@${hotfix}`);
    expect(refused.message).toContain(`emergency request ${emergency}`);
    expect(refused.message).toContain('bypass ended without it passing the standard path');
    // Nothing moved and nothing was logged.
    expect((await serving(h)).production?.version).toBe('2026.2');
    const hotfixState = await h.store.read((tx) => tx.versions.get(model, hotfix));
    expect(hotfixState?.state).toBe('deprecated');
    expect((await readAudit(h)).length).toBe(logged);
    expect(await checkStoredState(h.deps)).toMatchObject({ disagreements: [], problems: [] });
  });

  it('restores an emergency version replaced within its open window, and its expiry still judges it', async () => {
    const h = await open();
    await creditRisk(h);
    const hotfix = creditRiskHotfix.version;
    const emergency = await emergencyToProduction(h, hotfix, 'credit-risk/candidates/hotfix');
    await promoteStandard(h, { model, version: '2026.2', ticket: 'RISK-3' });
    h.clock.advance(24 * hours);
    expect(
      await rollback(h.deps, people.mlops, { model, reason: 'The refresh misbehaves' }),
    ).toEqual({ from: '2026.2', to: hotfix });
    // Back in production before its window ended: the expiry judges it as if never replaced.
    h.clock.advance(49 * hours);
    expect(await expireEmergencies(h.deps)).toEqual([
      { requestId: emergency, outcome: 'rolled_back' },
    ]);
    expect((await serving(h)).production?.version).not.toBe(hotfix);
    expect(await checkStoredState(h.deps)).toMatchObject({ disagreements: [], problems: [] });
  });

  it('restores an emergency version that was regularised before production replaced it', async () => {
    const h = await open();
    await creditRisk(h);
    const emergency = await emergencyToProduction(h, '2026.2', 'credit-risk/candidates/passing');
    for (const [by, role] of [
      [people.owner, 'model_owner'],
      [people.compliance, 'compliance_officer'],
    ] as const)
      await signOff(h, { requestId: emergency, by, role, ticket: 'RISK-911' });
    h.clock.advance(73 * hours);
    expect(await expireEmergencies(h.deps)).toEqual([
      { requestId: emergency, outcome: 'regularised' },
    ]);
    const replaced = await promoteStandard(h, { model, version: '2026.3', ticket: 'RISK-3' });
    expect(replaced.demoted).toBe('2026.2');

    expect(await rollback(h.deps, people.mlops, { model, reason: 'Complaints spike' })).toEqual({
      from: '2026.3',
      to: '2026.2',
    });
    expect((await serving(h)).production?.version).toBe('2026.2');
    expect(await checkStoredState(h.deps)).toMatchObject({ disagreements: [], problems: [] });
  });

  it('takes an expired emergency out without restoring the un-regularised emergency it replaced', async () => {
    const h = await open();
    await creditRisk(h);
    const first = await emergencyToProduction(h, 'hotfix-1', 'credit-risk/candidates/hotfix');
    const second = await emergencyToProduction(h, 'hotfix-2', 'credit-risk/candidates/hotfix');
    expect((await serving(h)).rollbackTarget?.version).toBe('hotfix-1');
    h.clock.advance(73 * hours);
    expect(await expireEmergencies(h.deps)).toEqual([
      { requestId: first, outcome: 'no_longer_serving' },
      { requestId: second, outcome: 'rolled_back' },
    ]);
    // Neither hotfix passed the standard path: production is left empty, not given back to one.
    expect((await serving(h)).production).toBeUndefined();
    const rolled = (await readAudit(h)).find((e) => e.action === 'rollback.executed');
    expect(rolled?.data).toMatchObject({ from: 'hotfix-2', to: null, requestId: second });
    for (const version of ['hotfix-1', 'hotfix-2']) {
      const found = await h.store.read((tx) => tx.versions.get(model, version));
      expect(found?.state, version).toBe('deprecated');
    }
    expect(await checkStoredState(h.deps)).toMatchObject({ disagreements: [], problems: [] });
  });
});

const noStaging = `apiVersion: clearance/v1
kind: Policy
metadata: { name: no-staging, riskTier: low }
states: [dev, candidate, production, retired]
transitions:
  - from: dev
    to: candidate
    requestedBy: [model_owner]
    approvals: [{ role: tech_lead }]
  - from: candidate
    to: production
    requestedBy: [mlops]
    approvals: [{ role: model_owner }]
  - from: production
    to: retired
    requestedBy: [mlops]
    approvals: [{ role: model_owner }]
`;

/** One request of `m`, signed off and executed. */
async function move(
  h: StoreHarness,
  input: { version: string; to: string; by: Principal; signer: Principal; role: string },
) {
  const { request } = await requestTransition(h.deps, input.by, {
    model: 'm',
    version: input.version,
    to: input.to,
    reason: 'go',
  });
  await recordApproval(h.deps, input.signer, {
    requestId: request.id,
    role: input.role,
    decision: 'approve',
    comment: 'ok',
    riskClass: 'low',
  });
  return executeTransition(h.deps, input.by, { requestId: request.id });
}

forEachStore('the version a rollback takes out', (open) => {
  it('lands in the state its policy promotes to production from, when the policy has no deprecated', async () => {
    const h = await open();
    const policy = await registerPolicy(h.deps, people.admin, { text: noStaging });
    await registerModel(h.deps, people.admin, {
      name: 'm',
      ownerTeam: 't',
      riskTier: 'low',
      policyDigest: policy.digest,
    });
    for (const version of ['1', '2'])
      await registerVersion(h.deps, people.ci, {
        model: 'm',
        version,
        artifactUri: `s3://m/${version}`,
        artifactDigest: `sha256:${version.padEnd(64, '0')}`,
        lineage: {},
      });
    await importProduction(h.deps, people.admin, { model: 'm', version: '1', reason: 'Served' });
    await move(h, {
      version: '2',
      to: 'candidate',
      by: people.owner,
      signer: people.tech,
      role: 'tech_lead',
    });
    await move(h, {
      version: '2',
      to: 'production',
      by: people.mlops,
      signer: people.owner,
      role: 'model_owner',
    });
    const read = (version: string) => h.store.read((tx) => tx.versions.get('m', version));
    expect((await read('1'))?.state).toBe('candidate');

    await rollback(h.deps, people.mlops, { model: 'm', reason: 'bad canary' });
    expect((await read('2'))?.state).toBe('candidate');
    expect((await read('1'))?.state).toBe('production');
    // From candidate a request can take it back to production: it is not stranded.
    await move(h, {
      version: '2',
      to: 'production',
      by: people.mlops,
      signer: people.owner,
      role: 'model_owner',
    });
    expect((await read('2'))?.state).toBe('production');
    // The replayed log puts it where the rollback did.
    expect(await checkStoredState(h.deps)).toMatchObject({ disagreements: [], problems: [] });
  });
});
