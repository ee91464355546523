/**
 * Review deadlines on every engine, with simulated time: the `reviews.escalate` job reminds once
 * when the last quarter of the review period begins (`review.due`) and escalates exactly once when
 * the deadline passes (`review.overdue`, naming the roles and the people who must act, with a
 * `review.escalated` audit entry), however often it runs and even when runs overlap. A reviewed
 * emergency leaves `GET /reviews?status=overdue` and is never escalated.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { escalateReviews } from '../../src/app/index.js';
import { type NotificationEvent, parseNotificationEvent } from '../../src/domain/index.js';
import { forEachStore, readAudit, type StoreHarness } from '../app/harness.js';
import { scheduledRunner } from '../jobs/scheduled-runner.js';
import { executedHotfix, serve as serveReviews } from './review-fixture.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const hour = 3600_000;
/** The credit-risk hotfix executes at 2026-03-01T09:00; its review (5d) is due 03-06T09:00. */
const dueAfter = 120 * hour;
/** The reminder: a quarter of the review period (30 h) before the deadline. */
const remindAfter = 90 * hour;

/** The review events among the outbox events the runner dispatched (read back by id). */
async function reviewEvents(
  h: StoreHarness,
  dispatched: readonly string[],
): Promise<NotificationEvent[]> {
  const events: NotificationEvent[] = [];
  for (const id of dispatched) {
    const row = await h.store.read((tx) => tx.outbox.get(id));
    const parsed = parseNotificationEvent(row?.payload);
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    if (parsed.event.type === 'review.due' || parsed.event.type === 'review.overdue')
      events.push(parsed.event);
  }
  return events;
}

async function setup(h: StoreHarness) {
  const id = await executedHotfix(h);
  const served = await serveReviews(h);
  app = served.app;
  const risk = await served.personWith('rita.risk', 'risk_officer');
  // The requester holds the role too, but may never review their own emergency.
  await served.personWith('bob.breakglass', 'risk_officer');
  const sent: string[] = [];
  const runner = scheduledRunner({
    deps: h.deps,
    clock: h.clock,
    everyMs: { 'reviews.escalate': 60_000 },
    hooks: { onEscalated: (outcomes) => sent.push(...outcomes.map((o) => o.sent)) },
    onEvent: (event) => {
      if (event.job.kind === 'outbox.dispatch' && event.type === 'succeeded')
        dispatched.push((event.job.payload as { eventId: string }).eventId);
    },
  });
  const dispatched: string[] = [];
  await runner.ensureRecurring();
  const start = h.clock.now().getTime();
  /** Moves the clock to `offset` after execution and runs what is due. */
  const at = async (offset: number) => {
    h.clock.advance(start + offset - h.clock.now().getTime());
    await runner.runDue();
    return sent.splice(0);
  };
  return { id, risk, at, call: served.call, events: () => reviewEvents(h, dispatched) };
}

forEachStore('review deadlines and escalation', (open) => {
  it('reminds once, then escalates an unreviewed emergency exactly once', async () => {
    const h = await open();
    const { id, risk, at, call, events: sentEvents } = await setup(h);
    expect(await at(0)).toEqual([]);
    expect(await at(remindAfter - 60_000)).toEqual([]);
    expect(await at(remindAfter + 60_000)).toEqual(['review.due']);
    expect(await at(remindAfter + 120_000)).toEqual([]);
    expect(await at(dueAfter - 60_000)).toEqual([]);
    expect((await call(risk, 'GET', '/reviews?status=overdue')).body).toEqual([]);
    expect(await at(dueAfter + 60_000)).toEqual(['review.overdue']);
    // Overlapping runs (a retried job, a second server) find the escalation and send nothing.
    const overlapping = await Promise.all([1, 2, 3].map(() => escalateReviews(h.deps)));
    expect(overlapping.flat()).toEqual([]);
    expect(await at(dueAfter + 24 * hour)).toEqual([]);

    const events = await sentEvents();
    expect(events.map((e) => e.type)).toEqual(['review.due', 'review.overdue']);
    const awaiting = [{ role: 'risk_officer', needed: 1, holders: [{ userId: 'rita.risk' }] }];
    expect(events[1]).toMatchObject({
      subject: { requestId: id },
      data: {
        request: { id, changeType: 'emergency' },
        reviewDueAt: '2026-03-06T09:00:00.000Z',
        awaiting,
      },
    });
    expect(events[0]?.data).toMatchObject({ awaiting });
    const entries = (await readAudit(h)).filter((e) => e.action.startsWith('review.'));
    expect(entries.map((e) => [e.action, e.time, e.actor.kind])).toEqual([
      [
        'review.reminded',
        new Date(Date.parse('2026-03-01T09:00:00.000Z') + remindAfter + 60_000).toISOString(),
        'system',
      ],
      ['review.escalated', '2026-03-06T09:01:00.000Z', 'system'],
    ]);
    expect(entries[1]?.data).toEqual({
      reviewDueAt: '2026-03-06T09:00:00.000Z',
      awaiting: [{ role: 'risk_officer', needed: 1, holders: ['rita.risk'] }],
    });
    const overdue = await call(risk, 'GET', '/reviews?status=overdue');
    expect(overdue.body).toMatchObject([{ requestId: id, reviewOverdue: true }]);
  });

  it('a reviewed emergency leaves the overdue list and never escalates', async () => {
    const h = await open();
    const { id, risk, at, call, events: sentEvents } = await setup(h);
    expect(await at(10 * hour)).toEqual([]);
    const reviewed = await call(risk, 'POST', `/requests/${id}/reviews`, {
      decision: 'approve',
      role: 'risk_officer',
      comment: 'Root cause understood; hotfix acceptable',
      ticket: 'RISK-912',
    });
    expect(reviewed.status, JSON.stringify(reviewed.body)).toBe(201);
    for (const offset of [remindAfter + 60_000, dueAfter + 60_000, dueAfter + 48 * hour])
      expect(await at(offset)).toEqual([]);
    expect((await call(risk, 'GET', '/reviews?status=overdue')).body).toEqual([]);
    expect(await sentEvents()).toEqual([]);
    expect((await readAudit(h)).map((e) => e.action)).not.toContain('review.escalated');
  });

  it('a review first seen past its deadline is escalated without a late reminder', async () => {
    const h = await open();
    const { at, events: sentEvents } = await setup(h);
    expect(await at(dueAfter + 5 * hour)).toEqual(['review.overdue']);
    expect(await at(dueAfter + 6 * hour)).toEqual([]);
    expect((await sentEvents()).map((e) => e.type)).toEqual(['review.overdue']);
  });
});
