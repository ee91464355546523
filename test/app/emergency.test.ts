import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  executeTransition,
  expireEmergencies,
  getServing,
  getVersion,
  overdueReviews,
  recordApproval,
  recordReview,
  registerModel,
  registerPolicy,
  requestTransition,
} from '../../src/app/index.js';
import { scheduledRunner } from '../jobs/scheduled-runner.js';
import {
  addVersion,
  creditRiskHotfix,
  examplesDir,
  forEachStore,
  people,
  person,
  readActions,
  readAudit,
  refusal,
  type StoreHarness,
  seedProduction,
  setupModel,
  signOffEmergency,
  toStaging,
} from './harness.js';

const model = 'credit-risk-pd';
const hotfix = creditRiskHotfix;

type Open = () => Promise<StoreHarness>;

async function setup(open: Open) {
  const h = await open();
  await setupModel(h, 'credit-risk', model, 'regulated');
  await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
  await seedProduction(h, model, '2026.1');
  await addVersion(h, { model, version: hotfix.version, dir: 'credit-risk/candidates/hotfix' });
  await toStaging(h, model, hotfix.version);
  return h;
}

async function executeHotfix(open: Open) {
  const h = await setup(open);
  const { request, decision } = await requestTransition(h.deps, people.breakGlass, hotfix);
  await signOffEmergency(h, request.id);
  const result = await executeTransition(h.deps, people.breakGlass, { requestId: request.id });
  return { h, request: result.request, requestDecision: decision, result };
}

forEachStore('emergency change', (open) => {
  it('may be requested only by break_glass, and the refusal is audited', async () => {
    const h = await setup(open);
    const error = await refusal(requestTransition(h.deps, people.mlops, hotfix));
    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('break_glass');
    const denied = (await readAudit(h)).at(-1);
    expect(denied?.action).toBe('access.denied');
    expect(denied?.data).toEqual({ attempted: 'transition.request' });
  });

  it('the same hotfix as a standard change is blocked by auc and ks', async () => {
    const h = await setup(open);
    const { decision } = await requestTransition(h.deps, people.mlops, {
      ...hotfix,
      changeType: 'standard',
    });
    expect(decision.outcome).toBe('denied');
    const blocking = decision.gates.filter((g) => g.outcome !== 'pass').map((g) => g.gateId);
    expect(blocking).toEqual(['auc', 'ks']);
  });

  it('bypasses only auc and ks, records them, and sets the expiry and review deadlines', async () => {
    const { h, request, result } = await executeHotfix(open);
    const bypassed = result.decision.gates.filter((g) => g.bypassed).map((g) => g.gateId);
    expect(bypassed).toEqual(['auc', 'ks']);
    expect(result.decision.bypass).toEqual(['auc', 'ks']);
    expect(result.decision.gates.find((g) => g.gateId === 'auc')?.outcome).not.toBe('pass');
    expect(request.bypassExpiresAt).toBe('2026-03-04T09:00:00.000Z');
    expect(request.reviewDueAt).toBe('2026-03-06T09:00:00.000Z');
    expect((await getServing(h.deps, people.admin, { model })).production?.version).toBe(
      hotfix.version,
    );
    expect(result.decision.approvalsCounted.map((a) => a.approver)).toEqual([people.risk.id]);
    expect((await readActions(h)).slice(-3)).toEqual([
      'gate.evaluated',
      'transition.executed',
      'emergency.bypass',
    ]);
  });

  it('takes standard sign-offs during its bypass window and none after: then its review is the sign-off', async () => {
    const { h, request } = await executeHotfix(open);
    // In the window: a standard-path sign-off (ADR 013); the request stays executed.
    const standard = await recordApproval(h.deps, people.owner, {
      requestId: request.id,
      role: 'model_owner',
      decision: 'approve',
      comment: 'Standard path',
      ticket: 'RISK-1',
      riskClass: 'high',
    });
    expect(standard.request.status).toBe('executed');
    h.clock.advance(72 * 3600_000);
    await expireEmergencies(h.deps);
    const error = await refusal(
      recordApproval(h.deps, people.risk2, {
        requestId: request.id,
        role: 'risk_officer',
        decision: 'approve',
        comment: 'ok',
        ticket: 'RISK-1',
        riskClass: 'high',
      }),
    );
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toContain('post-incident review');
  });

  it('expiry rolls back a version that never passed the standard gates', async () => {
    const { h, request } = await executeHotfix(open);
    h.clock.advance(71 * 3600_000);
    expect(await expireEmergencies(h.deps)).toEqual([]);
    h.clock.advance(1 * 3600_000);
    expect(await expireEmergencies(h.deps)).toEqual([
      { requestId: request.id, outcome: 'rolled_back' },
    ]);
    expect((await getServing(h.deps, people.admin, { model })).production?.version).toBe('2026.1');
    expect((await getVersion(h.deps, people.admin, { model, version: hotfix.version })).state).toBe(
      'deprecated',
    );
    const rolled = (await readAudit(h)).at(-1);
    expect(rolled?.action).toBe('rollback.executed');
    expect(rolled?.actor).toEqual({ id: 'system:expire-emergencies', kind: 'system' });
    expect(await expireEmergencies(h.deps)).toEqual([]);
  });

  it('expires on its own: the scheduled emergency.expire job rolls it back within a period', async () => {
    const { h, request } = await executeHotfix(open);
    const expired: unknown[] = [];
    const runner = scheduledRunner({
      deps: h.deps,
      clock: h.clock,
      everyMs: { 'emergency.expire': 30_000 },
      hooks: { onExpired: (outcomes) => expired.push(...outcomes) },
      // Count the expiry runs only: the runner also settles the outbox events the changes wrote.
      onEvent: (event) => {
        if (event.job.kind === 'emergency.expire' && event.type === 'succeeded') runs.push(event);
      },
    });
    const runs: unknown[] = [];
    const expiryRuns = async () => {
      await runner.runDue();
      return runs.splice(0).length;
    };
    await runner.ensureRecurring();
    // Inside the 72-hour window the job runs every period and leaves the hotfix serving.
    h.clock.advance(71 * 3600_000);
    expect(await expiryRuns()).toBe(1);
    expect((await getServing(h.deps, people.admin, { model })).production?.version).toBe(
      hotfix.version,
    );
    // Past it, the next period's run rolls back, with nobody calling anything.
    h.clock.advance(3600_000 + 30_000);
    expect(await expiryRuns()).toBe(1);
    expect(expired).toEqual([{ requestId: request.id, outcome: 'rolled_back' }]);
    expect((await getServing(h.deps, people.admin, { model })).production?.version).toBe('2026.1');
    const rolled = (await readAudit(h)).at(-1);
    expect(rolled?.action).toBe('rollback.executed');
    expect(rolled?.data).toMatchObject({ trigger: 'emergency.expired', requestId: request.id });
    // Once is enough: later periods find nothing to do.
    h.clock.advance(30_000);
    expect(await expiryRuns()).toBe(1);
    expect(expired).toHaveLength(1);
  });

  it('reports the review overdue until its approvers sign off', async () => {
    const { h, request } = await executeHotfix(open);
    h.clock.advance(4 * 24 * 3600_000);
    expect(await overdueReviews(h.deps)).toEqual([]);
    h.clock.advance(1 * 24 * 3600_000);
    const overdue = await overdueReviews(h.deps);
    expect(overdue).toEqual([
      {
        requestId: request.id,
        model,
        version: hotfix.version,
        reviewDueAt: '2026-03-06T09:00:00.000Z',
        missing: [{ role: 'risk_officer', needed: 1 }],
      },
    ]);
    const selfReview = await refusal(
      recordReview(h.deps, person('bob.breakglass', 'break_glass', 'risk_officer'), {
        requestId: request.id,
        role: 'risk_officer',
        decision: 'approve',
        comment: 'fine',
        riskClass: 'high',
      }),
    );
    expect(selfReview.code).toBe('forbidden');
    const { review } = await recordReview(h.deps, people.risk, {
      requestId: request.id,
      role: 'risk_officer',
      decision: 'approve',
      comment: 'Root cause understood; hotfix acceptable',
      ticket: 'RISK-912',
      riskClass: 'high',
    });
    expect(review.satisfied).toBe(true);
    expect(await overdueReviews(h.deps)).toEqual([]);
    expect((await readActions(h)).at(-1)).toBe('review.recorded');
  });
});

/** The credit-risk policy with a review that asks for a risk officer and a compliance officer. */
async function setupTwoRoleReview(open: Open) {
  const h = await open();
  const text = readFileSync(join(examplesDir, 'credit-risk', 'policy.yaml'), 'utf8').replace(
    '        - { role: risk_officer }\n  experiment:',
    '        - { role: risk_officer }\n        - { role: compliance_officer }\n  experiment:',
  );
  expect(text).toContain('- { role: compliance_officer }\n  experiment:');
  const policy = await registerPolicy(h.deps, people.admin, { text, file: 'two-role.yaml' });
  await registerModel(h.deps, people.admin, {
    name: model,
    ownerTeam: 'ml-platform',
    riskTier: 'regulated',
    policyDigest: policy.digest,
  });
  await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
  await seedProduction(h, model, '2026.1');
  await addVersion(h, { model, version: hotfix.version, dir: 'credit-risk/candidates/hotfix' });
  await toStaging(h, model, hotfix.version);
  const { request } = await requestTransition(h.deps, people.breakGlass, hotfix);
  await signOffEmergency(h, request.id);
  await executeTransition(h.deps, people.breakGlass, { requestId: request.id });
  return { h, requestId: request.id };
}

forEachStore('post-incident review with two roles', (open) => {
  it('needs two distinct people: one person fills one role only', async () => {
    const { h, requestId } = await setupTwoRoleReview(open);
    const both = person('rita.risk', 'risk_officer', 'compliance_officer');
    const sign = (who: typeof both, role: string) =>
      recordReview(h.deps, who, {
        requestId,
        role,
        decision: 'approve',
        comment: 'Reviewed',
        ticket: 'RISK-912',
      });
    const first = await sign(both, 'risk_officer');
    expect(first.review.missing).toEqual([{ role: 'compliance_officer', needed: 1 }]);
    const before = await readActions(h);
    const twice = await refusal(sign(both, 'compliance_officer'));
    expect(twice.code).toBe('forbidden');
    expect(twice.message).toContain('one role per person');
    expect((await readActions(h)).slice(before.length)).toEqual(['access.denied']);
    const second = await sign(
      person('carl.compliance', 'compliance_officer'),
      'compliance_officer',
    );
    expect(second.review.satisfied).toBe(true);
    expect((await readActions(h)).filter((a) => a === 'review.recorded')).toHaveLength(2);
  });
});

forEachStore('experiment change', (open) => {
  it('is refused past staging', async () => {
    const h = await setup(open);
    const error = await refusal(
      requestTransition(h.deps, people.mlops, { ...hotfix, changeType: 'experiment' }),
    );
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain('no further than staging');
  });
});
