/**
 * Issue 9: an emergency bypasses only the gates its policy lists, never the sign-offs its
 * emergency section names (ADR 011). One break-glass holder can no longer take a version to
 * production alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  executeTransition,
  getRequest,
  getServing,
  listInbox,
  recordApproval,
  registerModel,
  registerPolicy,
  replayDecision,
  requestTransition,
} from '../../src/app/index.js';
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
  signOffEmergency,
  toStaging,
} from './harness.js';

const model = 'credit-risk-pd';
const hotfix = creditRiskHotfix;
const examplePolicy = readFileSync(join(examplesDir, 'credit-risk', 'policy.yaml'), 'utf8');
const namedSignOff =
  '    approvals:                 # the on-call sign-off no emergency bypasses\n      - { role: risk_officer }\n';

/** The hotfix requested as an emergency under `policyText` (default: the credit-risk example). */
async function requestHotfix(open: () => Promise<StoreHarness>, policyText = examplePolicy) {
  const h = await open();
  const policy = await registerPolicy(h.deps, people.admin, { text: policyText, file: 'p.yaml' });
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
  return { h, requestId: request.id };
}

const production = async (h: StoreHarness) =>
  (await getServing(h.deps, people.admin, { model })).production?.version;

const approveAs = (h: StoreHarness, who: typeof people.risk, role: string, requestId: string) =>
  recordApproval(h.deps, who, {
    requestId,
    role,
    decision: 'approve',
    comment: 'On call: ship it',
    ticket: 'RISK-911',
    riskClass: 'high',
  });

forEachStore('emergency sign-off', (open) => {
  it('refuses a lone break-glass execution, naming the missing sign-off, and records why', async () => {
    const { h, requestId } = await requestHotfix(open);
    const error = await refusal(executeTransition(h.deps, people.breakGlass, { requestId }));
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toContain('Needs 1 more risk_officer approval(s).');
    expect(await production(h)).toBe('2026.1');
    const blocked = (await readAudit(h)).at(-1);
    expect(blocked?.action).toBe('transition.blocked');
    expect(blocked?.data.reasons).toContain('Needs 1 more risk_officer approval(s).');
    // The request's status says what it still owes.
    const view = await getRequest(h.deps, people.admin, { requestId });
    expect(view.status.basis).toBe('approvals');
    expect(view.status.satisfied).toBe(false);
    expect(view.status.missing).toEqual([{ role: 'risk_officer', needed: 1 }]);
  });

  it('refuses the requester’s own sign-off, even when they hold the role', async () => {
    const both = person('bob.breakglass', 'break_glass', 'risk_officer');
    const { h, requestId } = await requestHotfix(open);
    const before = (await readActions(h)).length;
    const error = await refusal(approveAs(h, both, 'risk_officer', requestId));
    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('separation of duties');
    expect((await readActions(h)).slice(before)).toEqual(['access.denied']);
    await expect(executeTransition(h.deps, both, { requestId })).rejects.toMatchObject({
      code: 'precondition_failed',
    });
  });

  it('refuses a role the emergency section does not name', async () => {
    const { h, requestId } = await requestHotfix(open);
    const error = await refusal(approveAs(h, people.compliance, 'compliance_officer', requestId));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain('does not ask for a compliance_officer approval');
  });

  it('a second person’s sign-off lets it execute; the decision and audit list it; replay agrees', async () => {
    const { h, requestId } = await requestHotfix(open);
    const inbox = await listInbox(h.deps, people.risk);
    expect(inbox).toEqual([
      expect.objectContaining({ request: expect.objectContaining({ id: requestId }) }),
    ]);
    const { approval, request } = await signOffEmergency(h, requestId);
    expect(request.status).toBe('approved');
    const { decision } = await executeTransition(h.deps, people.breakGlass, { requestId });
    expect(await production(h)).toBe(hotfix.version);
    expect(decision.outcome).toBe('allowed');
    expect(decision.bypass).toEqual(['auc', 'ks']);
    expect(decision.approvalsCounted.map((a) => a.id)).toEqual([approval.id]);
    expect(decision.signOff).toEqual({
      approvals: [{ role: 'risk_officer', count: 1 }],
      anyOne: false,
    });
    const audit = await readAudit(h);
    const executed = audit.find(
      (e) => e.action === 'transition.executed' && e.subject.id === requestId,
    );
    expect(executed?.data.approvals).toEqual([approval.id]);
    const bypass = audit.find((e) => e.action === 'emergency.bypass');
    expect(bypass?.data.signedOffBy).toEqual([
      { approvalId: approval.id, approver: people.risk.id, role: 'risk_officer' },
    ]);
    const evaluated = audit.find(
      (e) => e.action === 'gate.evaluated' && e.subject.id === decision.id,
    );
    expect(evaluated?.data.approvalsCounted).toEqual([approval.id]);
    const replay = await replayDecision(h.deps, people.admin, { decisionId: decision.id });
    expect(replay.differences).toEqual([]);
    expect(replay.reproduced).toBe(true);
    // After execution the sign-off is not mistaken for the post-incident review.
    const view = await getRequest(h.deps, people.admin, { requestId });
    expect(view.status.basis).toBe('post_incident_review');
    expect(view.status.satisfied).toBe(false);
    expect(view.status.emergency?.signed).toEqual([]);
  });

  it('replays the refusal too: without the sign-off the replayed decision is denied', async () => {
    const { h, requestId } = await requestHotfix(open);
    await refusal(executeTransition(h.deps, people.breakGlass, { requestId }));
    const blocked = (await readAudit(h)).at(-1);
    const decisionId = String(blocked?.data.decisionId);
    const replay = await replayDecision(h.deps, people.admin, { decisionId });
    expect(replay.differences).toEqual([]);
    expect(replay.original.outcome).toBe('denied');
    expect(replay.reproduced).toBe(true);
  });

  it('defaults to one sign-off by anyone other than the requester in a role that approves the transition', async () => {
    const text = examplePolicy.replace(namedSignOff, '');
    expect(text).not.toContain(namedSignOff);
    const { h, requestId } = await requestHotfix(open, text);
    const error = await refusal(executeTransition(h.deps, people.breakGlass, { requestId }));
    expect(error.message).toContain(
      'Needs 1 more model_owner or risk_officer or compliance_officer approval(s).',
    );
    const view = await getRequest(h.deps, people.admin, { requestId });
    expect(view.status.missing).toEqual([
      { role: 'model_owner or risk_officer or compliance_officer', needed: 1 },
    ]);
    await approveAs(h, people.compliance, 'compliance_officer', requestId);
    const { decision } = await executeTransition(h.deps, people.breakGlass, { requestId });
    expect(decision.signOff?.anyOne).toBe(true);
    expect(decision.approvalsCounted.map((a) => a.approver)).toEqual([people.compliance.id]);
    expect(await production(h)).toBe(hotfix.version);
  });
});
