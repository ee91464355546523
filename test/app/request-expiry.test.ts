/**
 * Request expiry (issue 9, scheduled work): an open request outlives its policy's
 * `requests.expireAfter` (default 14 days) → the `requests.expire` use case closes it as
 * `expired` with its audit entry and its `transition.expired` event in one transaction; approving
 * or executing it past its lifetime is refused with one clear error and changes nothing, whether
 * or not the job has run. Simulated time, on every engine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  executeTransition,
  expireRequests,
  recordApproval,
  registerModel,
  registerPolicy,
  requestTransition,
} from '../../src/app/index.js';
import { parseNotificationEvent } from '../../src/domain/index.js';
import {
  addVersion,
  examplesDir,
  forEachStore,
  people,
  readAudit,
  refusal,
  type StoreHarness,
} from './harness.js';
import { outboxEvents, storeContents } from './store-contents.js';

const model = 'credit-risk-pd';
const day = 24 * 60 * 60 * 1000;

/** The credit-risk example's policy, with `extra` appended at the top level. */
async function setup(h: StoreHarness, extra = ''): Promise<string> {
  const text = readFileSync(join(examplesDir, 'credit-risk', 'policy.yaml'), 'utf8') + extra;
  const policy = await registerPolicy(h.deps, people.admin, { text, file: 'policy.yaml' });
  await registerModel(h.deps, people.admin, {
    name: model,
    ownerTeam: 'ml-platform',
    riskTier: 'regulated',
    policyDigest: policy.digest,
  });
  await addVersion(h, { model, version: '2026.2', dir: 'credit-risk/baseline' });
  const { request } = await requestTransition(h.deps, people.owner, {
    model,
    version: '2026.2',
    to: 'staging',
    reason: 'Ready for validation',
  });
  return request.id;
}

const approveAsTech = (h: StoreHarness, requestId: string) =>
  recordApproval(h.deps, people.tech, {
    requestId,
    role: 'tech_lead',
    decision: 'approve',
    comment: 'Training set-up reviewed',
    riskClass: 'low',
  });

forEachStore('request expiry', (open) => {
  it('expires a pending request 14 days after it was made, not a millisecond before, with its entry and event', async () => {
    const h = await open();
    const requestId = await setup(h);
    h.clock.advance(14 * day - 1);
    expect(await expireRequests(h.deps)).toStrictEqual([]);
    h.clock.advance(1);
    expect(await expireRequests(h.deps)).toStrictEqual([{ requestId, previousStatus: 'pending' }]);
    // A second run (another server, a retried job) finds nothing to do.
    expect(await expireRequests(h.deps)).toStrictEqual([]);
    const request = await h.store.read((tx) => tx.requests.get(requestId));
    expect(request).toMatchObject({
      status: 'expired',
      closedBy: 'system:expire-requests',
      closedAt: '2026-03-15T09:00:00.000Z',
    });
    expect(request?.closeReason).toContain('14d');
    const entries = (await readAudit(h)).filter((e) => e.action === 'transition.expired');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      subject: { type: 'request', id: requestId },
      data: { previousStatus: 'pending', lifetime: '14d' },
      time: '2026-03-15T09:00:00.000Z',
    });
    const events = (await outboxEvents(h.store)).filter((e) => e.type === 'transition.expired');
    expect(events).toHaveLength(1);
    const parsed = parseNotificationEvent(events[0]?.payload);
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    expect(parsed.event).toMatchObject({
      occurredAt: '2026-03-15T09:00:00.000Z',
      subject: { requestId, model },
      data: {
        request: { id: requestId, requestedBy: people.owner.id, to: 'staging' },
        previousStatus: 'pending',
        expiredAt: '2026-03-15T09:00:00.000Z',
        lifetime: '14d',
      },
    });
  });

  it('refuses an approval past the lifetime before the job ran, changing nothing, and after it', async () => {
    const h = await open();
    const requestId = await setup(h);
    h.clock.advance(14 * day);
    const before = await storeContents(h.store);
    const early = await refusal(approveAsTech(h, requestId));
    expect(early.code).toBe('precondition_failed');
    expect(early.message).toBe(
      `Request ${requestId} can no longer be approved: no decision within 14d of the request (requests.expireAfter); it expired at 2026-03-15T09:00:00.000Z.`,
    );
    expect(await storeContents(h.store)).toStrictEqual(before);
    await expireRequests(h.deps);
    const late = await refusal(approveAsTech(h, requestId));
    expect(late.code).toBe('precondition_failed');
    expect(late.message).toContain(`Request ${requestId} expired (no decision within 14d`);
    expect(late.message).toContain('it can no longer be approved');
  });

  it("expires an approved request that was never executed under the policy's own lifetime, and refuses to execute it", async () => {
    const h = await open();
    const requestId = await setup(h, '\nrequests:\n  expireAfter: 2d\n');
    h.clock.advance(day);
    const approved = await approveAsTech(h, requestId);
    expect(approved.request.status).toBe('approved');
    h.clock.advance(day);
    const before = await storeContents(h.store);
    const early = await refusal(executeTransition(h.deps, people.owner, { requestId }));
    expect(early.code).toBe('precondition_failed');
    expect(early.message).toContain('no decision within 2d of the request');
    expect(await storeContents(h.store)).toStrictEqual(before);
    expect(await expireRequests(h.deps)).toStrictEqual([{ requestId, previousStatus: 'approved' }]);
    const late = await refusal(executeTransition(h.deps, people.owner, { requestId }));
    expect(late.code).toBe('precondition_failed');
    expect(late.message).toContain('it can no longer be executed');
    const version = await h.store.read((tx) => tx.versions.get(model, '2026.2'));
    expect(version?.state).toBe('draft');
  });

  it('leaves decided and young requests alone', async () => {
    const h = await open();
    const executed = await setup(h);
    await approveAsTech(h, executed);
    await executeTransition(h.deps, people.owner, { requestId: executed });
    await addVersion(h, { model, version: '2026.3', dir: 'credit-risk/baseline' });
    h.clock.advance(10 * day);
    const { request: young } = await requestTransition(h.deps, people.owner, {
      model,
      version: '2026.3',
      to: 'staging',
      reason: 'Another one',
    });
    h.clock.advance(5 * day);
    expect(await expireRequests(h.deps)).toStrictEqual([]);
    const statuses = await h.store.read(async (tx) => [
      (await tx.requests.get(executed))?.status,
      (await tx.requests.get(young.id))?.status,
    ]);
    expect(statuses).toStrictEqual(['executed', 'pending']);
  });
});
