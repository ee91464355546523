/**
 * The transactional outbox, emission side: each use case that changes what a notification reports
 * appends its event in the same transaction as the change and its audit entry. Every event read
 * back is checked against the contract's parser; a change that rolls back leaves no event.
 */
import { expect, it } from 'vitest';
import {
  executeTransition,
  expireEmergencies,
  recordApproval,
  requestTransition,
  signAuditCheckpoint,
} from '../../src/app/index.js';
import type { OutboxEvent } from '../../src/app/shared/work-queue-ports.js';
import { generateSigningKey } from '../../src/audit/index.js';
import {
  type NotificationEvent,
  type NotificationEventOf,
  type NotificationEventType,
  parseNotificationEvent,
} from '../../src/domain/index.js';
import { auditFailure, failingAuditStore } from './failing-audit-store.js';
import {
  addVersion,
  forEachStore,
  people,
  promoteCreditRisk,
  readAudit,
  refusal,
  type StoreHarness,
  seedProduction,
  setupModel,
  signOffEmergency,
  toStaging,
} from './harness.js';
import { outboxEvents, storeContents } from './store-contents.js';

const model = 'credit-risk-pd';

/** The outbox's events, each parsed by the contract (a row that does not parse fails the test). */
async function events(h: StoreHarness): Promise<NotificationEvent[]> {
  return (await outboxEvents(h.store)).map((row: OutboxEvent) => {
    const parsed = parseNotificationEvent(row.payload);
    if (!parsed.ok) throw new Error(`outbox row ${row.id}: ${parsed.problems.join('; ')}`);
    expect(row.type).toBe(parsed.event.type);
    expect(row.id).toBe(parsed.event.id);
    expect(row.createdAt).toBe(parsed.event.occurredAt);
    return parsed.event;
  });
}

const typesOf = (list: readonly NotificationEvent[]) => list.map((e) => e.type);

function only<T extends NotificationEventType>(
  list: readonly NotificationEvent[],
  type: T,
): NotificationEventOf<T>[] {
  return list.filter((e): e is NotificationEventOf<T> & NotificationEvent => e.type === type);
}

const requestLinks = (version: string, requestId: string, decisionId?: string) => ({
  api: `/api/v1/requests/${requestId}`,
  model: `/api/v1/models/${model}`,
  version: `/api/v1/models/${model}/versions/${version}`,
  request: `/api/v1/requests/${requestId}`,
  ...(decisionId ? { decision: `/api/v1/decisions/${decisionId}` } : {}),
});

/**
 * A stored risk officer for the model and a global one, so `approval.requested` names holders; and
 * a global one whose account is disabled, who cannot sign and is not named.
 */
async function storeRiskOfficers(h: StoreHarness) {
  const at = h.clock.now().toISOString();
  await h.store.transaction(async (tx) => {
    await tx.identity.insertUser({
      id: 'rita.risk',
      displayName: 'Rita Risk',
      createdAt: at,
      createdBy: 'test',
    });
    await tx.identity.insertUser({ id: 'ron.risk', createdAt: at, createdBy: 'test' });
    await tx.identity.insertUser({ id: 'una.other', createdAt: at, createdBy: 'test' });
    const grant = (id: string, userId: string, binding: { role: string; model?: string }) =>
      tx.identity.grantRole({ id, userId, ...binding, grantedAt: at, grantedBy: 'test' });
    await grant('g1', 'rita.risk', { role: 'risk_officer', model });
    await grant('g2', 'ron.risk', { role: 'risk_officer' });
    await grant('g3', 'una.other', { role: 'risk_officer', model: 'another-model' });
    await tx.identity.insertUser({ id: 'dan.departed', createdAt: at, createdBy: 'test' });
    await grant('g4', 'dan.departed', { role: 'risk_officer' });
    await tx.identity.setDisabledAt('dan.departed', at);
  });
}

forEachStore('notification events', (open) => {
  it('a promotion emits approval.requested, approval.recorded and transition.executed, with links', async () => {
    const h = await open();
    await storeRiskOfficers(h);
    const { request, decision } = await promoteCreditRisk(h, { model });
    const all = await events(h);
    expect(typesOf(all)).toEqual([
      // draft → staging
      'approval.requested',
      'approval.recorded',
      'transition.executed',
      // staging → production
      'approval.requested',
      'approval.recorded',
      'approval.recorded',
      'approval.recorded',
      'transition.executed',
    ]);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);

    const [, asked] = only(all, 'approval.requested');
    expect(asked?.subject).toEqual({
      model,
      version: '2026.2',
      requestId: request.id,
      links: requestLinks('2026.2', request.id),
    });
    expect(asked?.data.request).toEqual({
      id: request.id,
      model,
      version: '2026.2',
      from: 'staging',
      to: 'production',
      changeType: 'standard',
      reason: 'Quarterly refresh',
      ticket: 'RISK-3',
      requestedBy: people.mlops.id,
      requestedAt: request.requestedAt,
    });
    expect(asked?.data.awaiting).toEqual([
      { role: 'model_owner', needed: 1, holders: [] },
      {
        role: 'risk_officer',
        needed: 1,
        holders: [{ userId: 'rita.risk', displayName: 'Rita Risk' }, { userId: 'ron.risk' }],
      },
      { role: 'compliance_officer', needed: 1, holders: [] },
    ]);

    const recorded = only(all, 'approval.recorded').slice(1);
    expect(recorded.map((e) => [e.data.approval.approver, e.data.approval.role])).toEqual([
      [people.owner.id, 'model_owner'],
      [people.risk.id, 'risk_officer'],
      [people.compliance.id, 'compliance_officer'],
    ]);
    expect(recorded.map((e) => e.data.stillNeeded.map((n) => n.role))).toEqual([
      ['risk_officer', 'compliance_officer'],
      ['compliance_officer'],
      [],
    ]);
    expect(recorded[0]?.data.approval).toMatchObject({ decision: 'approve', comment: 'Reviewed' });

    const executed = only(all, 'transition.executed').at(-1);
    expect(executed?.subject.links).toEqual(requestLinks('2026.2', request.id, decision.id));
    expect(executed?.data).toMatchObject({ executedBy: people.mlops.id, decisionId: decision.id });
    expect(executed?.data.request.id).toBe(request.id);

    // Each event is stamped with the time of the audit entry it goes with.
    const audit = await readAudit(h);
    const executedEntry = audit.findLast((e) => e.action === 'transition.executed');
    expect(executed?.occurredAt).toBe(executedEntry?.time);
  });

  it('a rejection emits approval.recorded and transition.rejected', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    await addVersion(h, { model, version: '1', dir: 'credit-risk/candidates/passing' });
    const { request } = await requestTransition(h.deps, people.owner, {
      model,
      version: '1',
      to: 'staging',
      reason: 'Ready for validation',
    });
    await recordApproval(h.deps, people.tech, {
      requestId: request.id,
      role: 'tech_lead',
      decision: 'reject',
      comment: 'Training set-up is wrong',
      riskClass: 'low',
    });
    const all = await events(h);
    expect(typesOf(all)).toEqual([
      'approval.requested',
      'approval.recorded',
      'transition.rejected',
    ]);
    const [, recorded, rejected] = all;
    expect(recorded?.type === 'approval.recorded' && recorded.data.approval.decision).toBe(
      'reject',
    );
    expect(rejected).toMatchObject({
      type: 'transition.rejected',
      subject: { requestId: request.id, links: requestLinks('1', request.id) },
      data: { rejectedBy: people.tech.id, reason: 'Training set-up is wrong' },
    });
  });

  it('failing gates emit gate.failed on request; a blocked execution is recorded with transition.blocked', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
    await seedProduction(h, model, '2026.1');
    await addVersion(h, { model, version: 'hotfix', dir: 'credit-risk/candidates/hotfix' });
    await toStaging(h, model, 'hotfix');
    const opened = await requestTransition(h.deps, people.mlops, {
      model,
      version: 'hotfix',
      to: 'production',
      reason: 'Standard path',
      ticket: 'RISK-5',
    });
    expect(opened.decision.outcome).toBe('denied');
    const before = await events(h);
    const failed = only(before, 'gate.failed').at(-1);
    expect(failed?.subject.links).toEqual(
      requestLinks('hotfix', opened.request.id, opened.decision.id),
    );
    expect(failed?.data).toMatchObject({
      model,
      version: 'hotfix',
      from: 'staging',
      to: 'production',
      requestId: opened.request.id,
      decisionId: opened.decision.id,
    });
    expect(failed?.data.failed.map((g) => [g.gateId, g.outcome])).toEqual([
      ['auc', 'fail'],
      ['ks', 'fail'],
    ]);

    const error = await refusal(
      executeTransition(h.deps, people.mlops, { requestId: opened.request.id }),
    );
    expect(error.code).toBe('precondition_failed');
    const added = (await events(h)).slice(before.length);
    expect(typesOf(added)).toEqual(['gate.failed', 'transition.blocked']);
    const blocked = only(added, 'transition.blocked')[0];
    const audit = await readAudit(h);
    const blockedEntry = audit.findLast((e) => e.action === 'transition.blocked');
    const decisionId = blockedEntry?.data.decisionId as string;
    expect(blocked?.data.decisionId).toBe(decisionId);
    expect(blocked?.data.reasons).toEqual(blockedEntry?.data.reasons);
    expect(blocked?.subject.links).toEqual(requestLinks('hotfix', opened.request.id, decisionId));
    expect(only(added, 'gate.failed')[0]?.data.decisionId).toBe(decisionId);
  });

  it('an emergency execution emits transition.executed and emergency.bypassed, not gate.failed', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
    await seedProduction(h, model, '2026.1');
    await addVersion(h, { model, version: 'hotfix', dir: 'credit-risk/candidates/hotfix' });
    await toStaging(h, model, 'hotfix');
    const before = (await events(h)).length;
    const { request } = await requestTransition(h.deps, people.breakGlass, {
      model,
      version: 'hotfix',
      to: 'production',
      changeType: 'emergency',
      reason: 'Hotfix now',
      ticket: 'RISK-911',
    });
    await signOffEmergency(h, request.id);
    const result = await executeTransition(h.deps, people.breakGlass, { requestId: request.id });
    const added = (await events(h)).slice(before);
    // The emergency asks for its named sign-off (ADR 011) like any request, then executes.
    expect(typesOf(added)).toEqual([
      'approval.requested',
      'approval.recorded',
      'transition.executed',
      'emergency.bypassed',
    ]);
    const asked = only(added, 'approval.requested')[0];
    expect(asked?.data.awaiting.map((a) => a.role)).toEqual(['risk_officer']);
    const bypassed = only(added, 'emergency.bypassed')[0];
    expect(bypassed?.data).toMatchObject({
      bypassedGates: ['auc', 'ks'],
      bypassExpiresAt: result.request.bypassExpiresAt,
      reviewDueAt: result.request.reviewDueAt,
    });
    expect(bypassed?.data.request.changeType).toBe('emergency');
    expect(bypassed?.subject.links).toEqual(requestLinks('hotfix', request.id, result.decision.id));

    // The bypass expires; the standard gates, re-run, still fail: gate.failed, then the rollback
    // and its rollback.executed (ADR 013), at the same instant.
    h.clock.advance(73 * 60 * 60 * 1000);
    expect(await expireEmergencies(h.deps)).toEqual([
      { requestId: request.id, outcome: 'rolled_back' },
    ]);
    const expired = (await events(h)).slice(before + added.length);
    expect(typesOf(expired)).toEqual(['gate.failed', 'rollback.executed']);
    const rolledBack = only(expired, 'rollback.executed')[0];
    expect(rolledBack?.data).toMatchObject({
      trigger: 'emergency.expired',
      request: { id: request.id },
      rolledBackBy: 'system:expire-emergencies',
    });
    expect(rolledBack?.occurredAt).toBe(h.clock.now().toISOString());
    const failed = only(expired, 'gate.failed')[0];
    expect(failed?.data.failed.map((g) => g.gateId)).toEqual(['auc', 'ks']);
    expect(failed?.occurredAt).toBe(h.clock.now().toISOString());
  });

  it('signing a checkpoint emits audit.checkpoint_signed; an unchanged log signs and emits nothing', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    const key = generateSigningKey('clearance/outbox-test');
    const signer = {
      origin: key.name,
      note: { name: key.name, privateKey: key.privateKey },
      verifierKey: key.verifierKey,
    };
    const signed = await signAuditCheckpoint(h.deps, signer);
    const again = await signAuditCheckpoint(h.deps, signer);
    expect(again.signed).toBe(false);
    const all = only(await events(h), 'audit.checkpoint_signed');
    expect(all).toHaveLength(1);
    expect(all[0]?.subject).toEqual({ links: { api: '/api/v1/audit/checkpoints/latest' } });
    expect(all[0]?.data).toEqual({
      origin: 'clearance/outbox-test',
      size: signed.checkpoint.size,
      rootHash: Buffer.from(signed.checkpoint.rootHash).toString('base64'),
      signedAt: signed.checkpoint.createdAt,
    });
  });

  it('an action whose audit entry fails rolls back its events with it', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    await addVersion(h, { model, version: '1', dir: 'credit-risk/candidates/passing' });
    const audit = failingAuditStore(h.store);
    const deps = { ...h.deps, store: audit };
    const { request } = await requestTransition(h.deps, people.owner, {
      model,
      version: '1',
      to: 'staging',
      reason: 'Ready for validation',
    });
    const before = await storeContents(h.store);
    expect(before.outbox.length).toBeGreaterThan(0);
    const approve = (decision: 'approve' | 'reject') =>
      recordApproval(deps, people.tech, {
        requestId: request.id,
        role: 'tech_lead',
        decision,
        comment: 'Reviewed',
        riskClass: 'low',
      });
    // The approval's own entry goes through; the rejection's second entry fails after the
    // approval.recorded event was appended.
    audit.failAfter(1);
    expect((await refusal(approve('reject'))).message).toBe(auditFailure);
    expect(await storeContents(h.store)).toEqual(before);
    // An approval whose own entry fails appends nothing either.
    audit.failAfter(0);
    expect((await refusal(approve('approve'))).message).toBe(auditFailure);
    expect(await storeContents(h.store)).toEqual(before);
    audit.heal();
    await approve('approve');
    expect(typesOf((await events(h)).slice(before.outbox.length))).toEqual(['approval.recorded']);
  });

  it('a refused action writes no event', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    await addVersion(h, { model, version: '1', dir: 'credit-risk/candidates/passing' });
    const { request } = await requestTransition(h.deps, people.owner, {
      model,
      version: '1',
      to: 'staging',
      reason: 'Ready for validation',
    });
    const before = await events(h);
    // A second open request for the version is refused; so is an approval by someone without
    // the role (the denial is audited on its own, with no event).
    const refused = await refusal(
      requestTransition(h.deps, people.owner, {
        model,
        version: '1',
        to: 'staging',
        reason: 'Again',
      }),
    );
    expect(refused.code).toBe('conflict');
    const denied = await refusal(
      recordApproval(h.deps, people.owner, {
        requestId: request.id,
        role: 'tech_lead',
        decision: 'approve',
        comment: 'Mine',
        riskClass: 'low',
      }),
    );
    expect(denied.code).toBe('forbidden');
    expect(await events(h)).toEqual(before);
  });
});
