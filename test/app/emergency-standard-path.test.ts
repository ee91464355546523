/**
 * ADR 013: when an emergency's bypass expires, the version stays only if the standard path is
 * satisfied — the standard gates AND the transition's standard approvals (distinct people, never
 * the requester); otherwise it is rolled back with its audit entry and `rollback.executed` event
 * in one transaction. A manual rollback outside a canary emits the same event. Simulated time.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import {
  executeTransition,
  expireEmergencies,
  getServing,
  recordApproval,
  registerModel,
  registerPolicy,
  requestTransition,
  rollback,
} from '../../src/app/index.js';
import { type Principal, parseNotificationEvent } from '../../src/domain/index.js';
import {
  addVersion,
  forEachStore,
  people,
  readAudit,
  refusal,
  type StoreHarness,
  seedProduction,
  setupModel,
  signOffEmergency,
  toStaging,
} from './harness.js';
import { outboxEvents } from './store-contents.js';

const model = 'credit-risk-pd';
const hours = 3600_000;

/** Version 2 (passes the standard gates) taken to production as an emergency, signed off by rob.risk. */
async function executedEmergency(h: StoreHarness, policyText?: string): Promise<string> {
  if (policyText === undefined) await setupModel(h, 'credit-risk', model, 'regulated');
  else {
    const policy = await registerPolicy(h.deps, people.admin, { text: policyText, file: 'p.yaml' });
    await registerModel(h.deps, people.admin, {
      name: model,
      ownerTeam: 'ml-platform',
      riskTier: 'regulated',
      policyDigest: policy.digest,
    });
  }
  await addVersion(h, { model, version: '1', dir: 'credit-risk/baseline' });
  await seedProduction(h, model, '1');
  await addVersion(h, { model, version: '2', dir: 'credit-risk/candidates/passing' });
  await toStaging(h, model, '2');
  const { request } = await requestTransition(h.deps, people.breakGlass, {
    model,
    version: '2',
    to: 'production',
    changeType: 'emergency',
    reason: 'Incident INC-4',
    ticket: 'RISK-4',
  });
  await signOffEmergency(h, request.id, {
    by: people.risk,
    role: 'risk_officer',
    ticket: 'RISK-4',
  });
  await executeTransition(h.deps, people.breakGlass, { requestId: request.id });
  return request.id;
}

const standardSignOff = (
  h: StoreHarness,
  requestId: string,
  by: Principal,
  role: string,
  decision: 'approve' | 'reject' = 'approve',
) =>
  recordApproval(h.deps, by, {
    requestId,
    role,
    decision,
    comment: decision === 'approve' ? 'Standard path: fine' : 'Standard path: not acceptable',
    ticket: 'RISK-4',
    riskClass: 'medium',
  });

async function events(h: StoreHarness, type: string) {
  return (await outboxEvents(h.store))
    .filter((e) => e.type === type)
    .map((row) => {
      const parsed = parseNotificationEvent(row.payload);
      if (!parsed.ok) throw new Error(parsed.problems.join('; '));
      return parsed.event;
    });
}

forEachStore('the standard path at emergency expiry', (open) => {
  it('rolls back an emergency whose standard gates pass but whose standard approvals are missing, with entry and event', async () => {
    const h = await open();
    const requestId = await executedEmergency(h);
    h.clock.advance(72 * hours);
    expect(await expireEmergencies(h.deps)).toStrictEqual([{ requestId, outcome: 'rolled_back' }]);
    expect((await getServing(h.deps, people.admin, { model })).production?.version).toBe('1');
    const request = await h.store.read((tx) => tx.requests.get(requestId));
    expect(request?.status).toBe('expired');
    const entry = (await readAudit(h)).find((e) => e.action === 'rollback.executed');
    // The risk officer's on-call sign-off counts towards the standard path; the other two do not exist.
    expect(entry?.reason).toContain('Needs 1 more model_owner approval(s).');
    expect(entry?.reason).toContain('Needs 1 more compliance_officer approval(s).');
    expect(entry?.reason).not.toContain('risk_officer');
    expect(entry?.data).toMatchObject({
      trigger: 'emergency.expired',
      requestId,
      from: '2',
      to: '1',
    });
    const [event, ...more] = await events(h, 'rollback.executed');
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({
      occurredAt: entry?.time,
      subject: { model, version: '2', requestId },
      data: {
        model,
        version: '2',
        restoredVersion: '1',
        trigger: 'emergency.expired',
        rolledBackBy: 'system:expire-emergencies',
        request: { id: requestId, requestedBy: people.breakGlass.id },
      },
    });
    const demoted = await h.store.read((tx) => tx.versions.get(model, '2'));
    expect(event?.data).toMatchObject({ toState: demoted?.state });
  });

  it('keeps an emergency whose standard gates pass and whose standard approvals were given in its window', async () => {
    const h = await open();
    const requestId = await executedEmergency(h);
    h.clock.advance(24 * hours);
    const owner = await standardSignOff(h, requestId, people.owner, 'model_owner');
    // Still executed: a standard sign-off is counted when the window ends.
    expect(owner.request.status).toBe('executed');
    expect(owner.approvals.missing).toStrictEqual([{ role: 'compliance_officer', needed: 1 }]);
    await standardSignOff(h, requestId, people.compliance, 'compliance_officer');
    h.clock.advance(48 * hours);
    expect(await expireEmergencies(h.deps)).toStrictEqual([{ requestId, outcome: 'regularised' }]);
    expect((await getServing(h.deps, people.admin, { model })).production?.version).toBe('2');
    const entry = (await readAudit(h)).find((e) => e.action === 'emergency.regularised');
    expect(
      (entry?.data.standardApprovals as { counted: string[] } | undefined)?.counted,
    ).toHaveLength(3);
    expect(await events(h, 'rollback.executed')).toHaveLength(0);
    // The window has ended: further sign-offs belong to the post-incident review.
    const late = await refusal(standardSignOff(h, requestId, people.owner2, 'model_owner'));
    expect(late.code).toBe('precondition_failed');
    expect(late.message).toContain('bypass window has ended');
  });

  it('takes a standard sign-off 1 ms before the window ends and refuses one at its end, whether or not the job has run', async () => {
    const h = await open();
    const requestId = await executedEmergency(h);
    const ends = (await h.store.read((tx) => tx.requests.get(requestId)))?.bypassExpiresAt;
    if (ends === undefined) throw new Error('an executed emergency has a bypass window');
    h.clock.set(new Date(Date.parse(ends) - 1));
    await standardSignOff(h, requestId, people.owner, 'model_owner');
    // At the window's end, before any expiry job ran: the standard path is judged as it stood.
    h.clock.set(ends);
    const late = await refusal(
      standardSignOff(h, requestId, people.compliance, 'compliance_officer'),
    );
    expect(late.code).toBe('precondition_failed');
    expect(late.message).toContain('bypass window has ended');
    expect(await h.store.read((tx) => tx.approvals.list(requestId))).toHaveLength(2);
    h.clock.advance(hours);
    expect(await expireEmergencies(h.deps)).toStrictEqual([{ requestId, outcome: 'rolled_back' }]);
    const entry = (await readAudit(h)).find((e) => e.action === 'rollback.executed');
    expect(entry?.reason).toContain('Needs 1 more compliance_officer approval(s).');
  });

  it('does not count a sign-off recorded after the window ended (a server whose clock runs ahead of the job)', async () => {
    const h = await open();
    const requestId = await executedEmergency(h);
    const ends = (await h.store.read((tx) => tx.requests.get(requestId)))?.bypassExpiresAt;
    if (ends === undefined) throw new Error('an executed emergency has a bypass window');
    await standardSignOff(h, requestId, people.owner, 'model_owner');
    // Recorded by a server whose clock ran 1 s ahead of the job's: stamped after the window's end.
    h.clock.set(new Date(Date.parse(ends) - 1));
    const skewed = { ...h.deps, clock: { now: () => new Date(Date.parse(ends) + 1000) } };
    await refusal(
      recordApproval(skewed, people.compliance, {
        requestId,
        role: 'compliance_officer',
        decision: 'approve',
        comment: 'Late',
        ticket: 'RISK-4',
        riskClass: 'medium',
      }),
    );
    expect(await h.store.read((tx) => tx.approvals.list(requestId))).toHaveLength(2);
  });

  it('a last standard sign-off racing the expiry job: exactly one wins, nothing half-written', async () => {
    const h = await open();
    const requestId = await executedEmergency(h);
    const ends = (await h.store.read((tx) => tx.requests.get(requestId)))?.bypassExpiresAt;
    if (ends === undefined) throw new Error('an executed emergency has a bypass window');
    await standardSignOff(h, requestId, people.owner, 'model_owner');
    // The approving server's clock reads 1 ms before the end; the job's reads the end.
    h.clock.set(new Date(Date.parse(ends) - 1));
    const [signed, expired] = await Promise.allSettled([
      standardSignOff(h, requestId, people.compliance, 'compliance_officer'),
      expireEmergencies(h.deps, { now: new Date(ends) }),
    ]);
    if (expired.status !== 'fulfilled') throw expired.reason;
    const [outcome] = expired.value;
    const approvals = await h.store.read((tx) => tx.approvals.list(requestId));
    const serving = (await getServing(h.deps, people.admin, { model })).production?.version;
    const audit = await readAudit(h);
    if (signed.status === 'fulfilled') {
      expect(outcome).toStrictEqual({ requestId, outcome: 'regularised' });
      expect(approvals).toHaveLength(3);
      expect(serving).toBe('2');
      expect(audit.filter((e) => e.action === 'rollback.executed')).toHaveLength(0);
    } else {
      expect(outcome).toStrictEqual({ requestId, outcome: 'rolled_back' });
      expect(approvals).toHaveLength(2);
      expect(serving).toBe('1');
      expect(audit.filter((e) => e.action === 'emergency.regularised')).toHaveLength(0);
    }
    const recorded = audit.filter(
      (e) => e.action === 'approval.recorded' && e.subject.id === requestId,
    );
    expect(recorded).toHaveLength(approvals.length);
  });

  it('judges the standard approvals as they stood at the window end, however late the job runs', async () => {
    const h = await open();
    // Sign-offs last 80 h: all valid when the 72 h window ends, the on-call one lapsed by 90 h.
    const text = readFileSync(
      new URL('../../examples/credit-risk/policy.yaml', import.meta.url),
      'utf8',
    ).replace(
      '    separationOfDuties: { requesterMayApprove: false, creatorMayApprove: false, oneRolePerPerson: true }\n',
      '    separationOfDuties: { requesterMayApprove: false, creatorMayApprove: false, oneRolePerPerson: true }\n    approvalExpiresAfter: 80h\n',
    );
    expect(text).toContain('approvalExpiresAfter: 80h');
    const requestId = await executedEmergency(h, text);
    h.clock.advance(hours);
    await standardSignOff(h, requestId, people.owner, 'model_owner');
    await standardSignOff(h, requestId, people.compliance, 'compliance_officer');
    h.clock.advance(89 * hours);
    expect(await expireEmergencies(h.deps)).toStrictEqual([{ requestId, outcome: 'regularised' }]);
  });

  it('refuses the requester as a standard approver even where the transition lets requesters approve', async () => {
    const h = await open();
    const text = readFileSync(
      new URL('../../examples/credit-risk/policy.yaml', import.meta.url),
      'utf8',
    ).replace(
      '    separationOfDuties: { requesterMayApprove: false, creatorMayApprove: false, oneRolePerPerson: true }\n',
      '    separationOfDuties: { requesterMayApprove: true, creatorMayApprove: false, oneRolePerPerson: true }\n',
    );
    expect(text).toContain('requesterMayApprove: true, creatorMayApprove: false, oneRolePerPerson');
    const requestId = await executedEmergency(h, text);
    const self = {
      ...people.breakGlass,
      roles: [...people.breakGlass.roles, { role: 'model_owner' }],
    };
    const refused = await refusal(standardSignOff(h, requestId, self, 'model_owner'));
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toContain('requested this change');
    expect(await h.store.read((tx) => tx.approvals.list(requestId))).toHaveLength(1);
  });

  it('rolls back when a standard approver rejects in the window, and refuses one person in two roles', async () => {
    const h = await open();
    const requestId = await executedEmergency(h);
    await standardSignOff(h, requestId, people.owner, 'model_owner');
    const twice = await refusal(
      standardSignOff(
        h,
        requestId,
        { ...people.owner, roles: [...people.owner.roles, { role: 'compliance_officer' }] },
        'compliance_officer',
      ),
    );
    expect(twice.code).toBe('forbidden');
    await standardSignOff(h, requestId, people.compliance, 'compliance_officer', 'reject');
    expect((await h.store.read((tx) => tx.requests.get(requestId)))?.status).toBe('executed');
    h.clock.advance(72 * hours);
    expect(await expireEmergencies(h.deps)).toStrictEqual([{ requestId, outcome: 'rolled_back' }]);
    const entry = (await readAudit(h)).find((e) => e.action === 'rollback.executed');
    expect(entry?.reason).toContain('Rejected by cora.compliance (compliance_officer).');
  });

  it('emits rollback.executed for a manual rollback outside a canary, in its transaction', async () => {
    const h = await open();
    const requestId = await executedEmergency(h);
    await standardSignOff(h, requestId, people.owner, 'model_owner');
    await rollback(h.deps, people.mlops, { model, reason: 'Complaints spike', ticket: 'RISK-5' });
    const entry = (await readAudit(h)).find((e) => e.action === 'rollback.executed');
    const [event, ...more] = await events(h, 'rollback.executed');
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({
      occurredAt: entry?.time,
      subject: { model, version: '2' },
      data: {
        version: '2',
        restoredVersion: '1',
        trigger: 'manual',
        reason: 'Complaints spike',
        rolledBackBy: people.mlops.id,
      },
    });
    expect(event?.data).not.toHaveProperty('request');
    // A refused rollback (nothing left to roll back to) emits nothing.
    await refusal(rollback(h.deps, people.mlops, { model, reason: 'Again' }));
    expect(await events(h, 'rollback.executed')).toHaveLength(1);
  });
});
