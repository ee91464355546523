import { expect, it } from 'vitest';
import {
  attachEvidence,
  cancelRequest,
  executeTransition,
  getRequest,
  getServing,
  getVersion,
  listInbox,
  recordApproval,
  replayDecision,
  requestTransition,
  rollback,
} from '../../src/app/index.js';
import type { Principal } from '../../src/domain/index.js';
import {
  addVersion,
  forEachStore,
  leafHashes,
  people,
  person,
  readActions,
  readAudit,
  refusal,
  type StoreHarness,
  seedProduction,
  setupModel,
  toStaging,
} from './harness.js';

const model = 'credit-risk-pd';
const ticket = 'RISK-101';

async function setup(open: () => Promise<StoreHarness>, candidate = 'passing') {
  const h = await open();
  await setupModel(h, 'credit-risk', model, 'regulated');
  await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
  await seedProduction(h, model, '2026.1');
  await addVersion(h, { model, version: '2026.2', dir: `credit-risk/candidates/${candidate}` });
  await toStaging(h, model, '2026.2');
  const { request, decision } = await requestTransition(h.deps, people.mlops, {
    model,
    version: '2026.2',
    to: 'production',
    reason: 'Quarterly refresh of the PD scorecard',
    ticket,
  });
  return { h, request, decision };
}

function approve(h: StoreHarness, requestId: string, who: Principal, role: string) {
  return recordApproval(h.deps, who, {
    requestId,
    role,
    decision: 'approve',
    comment: `Reviewed as ${role}`,
    ticket,
    riskClass: 'medium',
  });
}

forEachStore('credit-risk: staging → production', (open) => {
  it('runs the gates at request time and records a decision', async () => {
    const { request, decision } = await setup(open);
    expect(decision.kind).toBe('gates');
    expect(decision.outcome).toBe('allowed');
    expect(decision.baseline?.version).toBe('2026.1');
    expect(request.decisionId).toBe(decision.id);
    expect(decision.gates.map((g) => g.gateId)).toEqual([
      'auc',
      'ks',
      'approval-rate-parity',
      'repro',
      'supply-chain',
      'documents',
    ]);
  });

  it('needs model_owner, risk_officer and compliance_officer: each missing one blocks', async () => {
    const roles: [Principal, string][] = [
      [people.owner, 'model_owner'],
      [people.risk, 'risk_officer'],
      [people.compliance, 'compliance_officer'],
    ];
    for (const skipped of roles) {
      const { h, request } = await setup(open);
      for (const [who, role] of roles)
        if (who !== skipped[0]) await approve(h, request.id, who, role);
      const error = await refusal(
        executeTransition(h.deps, people.mlops, { requestId: request.id }),
      );
      expect(error.code).toBe('precondition_failed');
      expect(error.message).toContain(`Needs 1 more ${skipped[1]} approval(s)`);
      expect((await getVersion(h.deps, people.admin, { model, version: '2026.2' })).state).toBe(
        'staging',
      );
    }
  });

  it('executes after all three, demotes the previous production version and rolls back', async () => {
    const { h, request } = await setup(open);
    await approve(h, request.id, people.owner, 'model_owner');
    await approve(h, request.id, people.risk, 'risk_officer');
    const last = await approve(h, request.id, people.compliance, 'compliance_officer');
    expect(last.request.status).toBe('approved');
    const result = await executeTransition(h.deps, people.mlops, { requestId: request.id });
    expect(result.request.status).toBe('executed');
    expect(result.decision.kind).toBe('transition');
    expect(result.decision.approvalsCounted).toHaveLength(3);
    expect(result.demoted).toBe('2026.1');
    expect((await getVersion(h.deps, people.admin, { model, version: '2026.1' })).state).toBe(
      'deprecated',
    );
    const serving = await getServing(h.deps, people.admin, { model });
    expect(serving.production?.version).toBe('2026.2');
    expect(serving.rollbackTarget).toEqual({ version: '2026.1' });

    const refused = await refusal(rollback(h.deps, people.owner, { model, reason: 'Drift' }));
    expect(refused.code).toBe('forbidden');
    const moved = await rollback(h.deps, people.mlops, {
      model,
      reason: 'Rejection rate spiked',
      ticket,
    });
    expect(moved).toEqual({ from: '2026.2', to: '2026.1' });
    expect((await getServing(h.deps, people.admin, { model })).production?.version).toBe('2026.1');
    expect((await getVersion(h.deps, people.admin, { model, version: '2026.2' })).state).toBe(
      'deprecated',
    );
    const entry = (await readAudit(h)).find((e) => e.action === 'rollback.executed');
    expect(entry?.reason).toBe('Rejection rate spiked');
    expect(entry?.ticket).toBe(ticket);
  });

  it('refuses an approval by the requester', async () => {
    const { h, request } = await setup(open);
    const requesterAsRisk = person('max.mlops', 'mlops', 'risk_officer');
    const error = await refusal(approve(h, request.id, requesterAsRisk, 'risk_officer'));
    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('requested this change');
    expect((await readActions(h)).at(-1)).toBe('access.denied');
  });

  it('refuses an approval by whoever trained the version', async () => {
    const { h, request } = await setup(open);
    const trainer = person('ana.modeller', 'risk_officer');
    const error = await refusal(approve(h, request.id, trainer, 'risk_officer'));
    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('trained this version');
  });

  it('refuses an approval in a role the approver does not hold', async () => {
    const { h, request } = await setup(open);
    const error = await refusal(approve(h, request.id, people.owner, 'risk_officer'));
    expect(error.code).toBe('forbidden');
    const denied = (await readAudit(h)).at(-1);
    expect(denied?.action).toBe('access.denied');
    expect(denied?.actor.id).toBe('olga.owner');
  });

  it('refuses one person in two roles', async () => {
    const { h, request } = await setup(open);
    const both = person('rob.risk', 'risk_officer', 'compliance_officer');
    await approve(h, request.id, both, 'risk_officer');
    const error = await refusal(approve(h, request.id, both, 'compliance_officer'));
    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('one person fills one role');
  });

  it('refuses an approval without a matching ticket', async () => {
    const { h, request } = await setup(open);
    const error = await refusal(
      recordApproval(h.deps, people.risk, {
        requestId: request.id,
        role: 'risk_officer',
        decision: 'approve',
        comment: 'ok',
        ticket: 'JIRA-9',
        riskClass: 'low',
      }),
    );
    expect(error.code).toBe('invalid_input');
  });

  it('refuses evidence for a version an open request rests on, naming the request', async () => {
    const { h, request } = await setup(open);
    await approve(h, request.id, people.owner, 'model_owner');
    const before = await h.store.transaction((tx) => tx.evidence.list(model, '2026.2'));
    const error = await refusal(
      attachEvidence(h.deps, people.ci, {
        model,
        version: '2026.2',
        files: [{ path: 'notes.txt', bytes: new TextEncoder().encode('late addition') }],
      }),
    );
    expect(error.code).toBe('conflict');
    expect(error.message).toContain(`pending request ${request.id} (staging → production)`);
    expect(await h.store.transaction((tx) => tx.evidence.list(model, '2026.2'))).toEqual(before);
  });

  it('evidence changed behind the service after an approval makes it stop counting', async () => {
    const { h, request } = await setup(open);
    await approve(h, request.id, people.owner, 'model_owner');
    await approve(h, request.id, people.risk, 'risk_officer');
    await approve(h, request.id, people.compliance, 'compliance_officer');
    // attachEvidence refuses this now; the binding still holds if a row appears another way.
    const blob = await h.blobs.put(new TextEncoder().encode('late addition'));
    await h.store.transaction((tx) =>
      tx.evidence.insert({
        model,
        version: '2026.2',
        kind: 'other',
        path: 'notes.txt',
        ...blob,
        mediaType: 'text/plain',
        attachedAt: h.clock.now().toISOString(),
        attachedBy: people.ci.id,
      }),
    );
    const view = await getRequest(h.deps, people.admin, { requestId: request.id });
    expect(view.status.counted).toEqual([]);
    expect(view.status.ignored.map((i) => i.why)).toEqual([
      'evidence_changed',
      'evidence_changed',
      'evidence_changed',
    ]);
    const error = await refusal(executeTransition(h.deps, people.mlops, { requestId: request.id }));
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toContain('evidence changed');
    await approve(h, request.id, people.owner, 'model_owner');
    await approve(h, request.id, people.risk, 'risk_officer');
    await approve(h, request.id, people.compliance, 'compliance_officer');
    const done = await executeTransition(h.deps, people.mlops, { requestId: request.id });
    expect(done.request.status).toBe('executed');
  });

  it('a rejection closes the request', async () => {
    const { h, request } = await setup(open);
    const result = await recordApproval(h.deps, people.risk, {
      requestId: request.id,
      role: 'risk_officer',
      decision: 'reject',
      comment: 'Validation report incomplete',
      ticket,
      riskClass: 'high',
    });
    expect(result.request.status).toBe('rejected');
    expect((await readActions(h)).slice(-2)).toEqual(['approval.recorded', 'transition.rejected']);
    expect(
      (await refusal(executeTransition(h.deps, people.mlops, { requestId: request.id }))).code,
    ).toBe('precondition_failed');
  });

  it('the requester may cancel; others may not', async () => {
    const { h, request } = await setup(open);
    expect(
      (await refusal(cancelRequest(h.deps, people.risk, { requestId: request.id, reason: 'x' })))
        .code,
    ).toBe('forbidden');
    const cancelled = await cancelRequest(h.deps, people.mlops, {
      requestId: request.id,
      reason: 'Superseded',
    });
    expect(cancelled.status).toBe('cancelled');
  });

  it('lists the request in the inbox of each missing approver', async () => {
    const { h, request } = await setup(open);
    await approve(h, request.id, people.owner, 'model_owner');
    expect((await listInbox(h.deps, people.risk)).map((i) => i.request.id)).toEqual([request.id]);
    expect(await listInbox(h.deps, people.owner)).toEqual([]);
    expect(await listInbox(h.deps, person('ana.modeller', 'risk_officer'))).toEqual([]);
  });

  it('a failing gate blocks execution and is recorded in a decision', async () => {
    const { h, request, decision } = await setup(open, 'failing');
    expect(decision.outcome).toBe('denied');
    await approve(h, request.id, people.owner, 'model_owner');
    await approve(h, request.id, people.risk, 'risk_officer');
    await approve(h, request.id, people.compliance, 'compliance_officer');
    const error = await refusal(executeTransition(h.deps, people.mlops, { requestId: request.id }));
    expect(error.code).toBe('precondition_failed');
    expect(error.message).toContain('Gate approval-rate-parity is fail');
    const decisions = await h.store.transaction((tx) => tx.decisions.list({ model }));
    const last = decisions.at(-1);
    expect(last?.kind).toBe('transition');
    expect(last?.outcome).toBe('denied');
    expect(last?.approvalsCounted).toHaveLength(3);
    expect((await readActions(h)).slice(-2)).toEqual(['gate.evaluated', 'transition.blocked']);
    expect((await getVersion(h.deps, people.admin, { model, version: '2026.2' })).state).toBe(
      'staging',
    );
  });

  it('every action leaves audit entries with contiguous seq and leaf hashes', async () => {
    const { h, request } = await setup(open);
    await approve(h, request.id, people.owner, 'model_owner');
    await approve(h, request.id, people.risk, 'risk_officer');
    await approve(h, request.id, people.compliance, 'compliance_officer');
    await executeTransition(h.deps, people.mlops, { requestId: request.id });
    const log = await readAudit(h);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i));
    expect(await leafHashes(h)).toHaveLength(log.length);
    expect(new Set(await readActions(h))).toEqual(
      new Set([
        'policy.registered',
        'model.registered',
        'version.registered',
        'evidence.attached',
        'transition.requested',
        'gate.evaluated',
        'approval.recorded',
        'transition.executed',
      ]),
    );
    const executed = log.find(
      (e) => e.action === 'transition.executed' && e.subject.id === request.id,
    );
    expect(executed?.ticket).toBe(ticket);
    expect(Object.keys(executed?.digests ?? {}).sort()).toEqual(['artifact', 'evidence', 'policy']);
  });

  it('replayDecision reproduces a stored decision and detects a tampered policy text', async () => {
    const { h, request } = await setup(open);
    await approve(h, request.id, people.owner, 'model_owner');
    await approve(h, request.id, people.risk, 'risk_officer');
    await approve(h, request.id, people.compliance, 'compliance_officer');
    const { decision } = await executeTransition(h.deps, people.mlops, { requestId: request.id });
    const report = await replayDecision(h.deps, people.admin, { decisionId: decision.id });
    expect(report.differences).toEqual([]);
    expect(report.reproduced).toBe(true);
    expect(report.replayed?.outcome).toBe('allowed');

    await h.tamperPolicy(decision.policyDigest, (text) => text.replace('min: 0.8', 'min: 0.5'));
    const again = await replayDecision(h.deps, people.admin, { decisionId: decision.id });
    expect(again.reproduced).toBe(false);
    expect(again.policyIntact).toBe(false);
    expect(again.differences[0]).toContain('was altered');
  });
});
