/**
 * The work queue's part of the store contract (ADR 009): the outbox and jobs commit or roll back
 * with the transaction that wrote them; a key has one unfinished job; a due job is claimed once,
 * under a lease that a dead worker's successor takes over; failures retry or give up; recurring
 * jobs move on a period at a time. Each test uses its own kinds and keys: the store is shared.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/app/shared/ports.js';
import type { ClaimedJob } from '../../src/app/shared/work-queue-ports.js';
import { at, unique } from './fixtures.js';

const plus = (ms: number, from = at) => new Date(Date.parse(from) + ms).toISOString();
const minute = 60_000;

export function workQueueContract(store: () => Store): void {
  const claim = (kind: string, workerId: string, when: string, leaseMs = minute) =>
    store().transaction((tx) =>
      tx.jobs.claim({ workerId, at: when, leaseMs, limit: 10, kinds: [kind] }),
    );
  const schedule = (
    kind: string,
    key: string,
    runAt = at,
    extra: { everyMs?: number; maxAttempts?: number } = {},
  ) =>
    store().transaction((tx) =>
      tx.jobs.schedule({ kind, key, runAt, payload: { key }, ...extra }, { at }),
    );
  const only = (jobs: ClaimedJob[]): ClaimedJob => {
    expect(jobs).toHaveLength(1);
    return jobs[0] as ClaimedJob;
  };

  describe('work queue', () => {
    it('commits an outbox event and its dispatch job with the transaction, and neither when it rolls back', async () => {
      const kept = unique('evt');
      const dropped = unique('evt');
      await store().transaction((tx) =>
        tx.outbox.append({
          id: kept,
          type: 'transition.executed',
          payload: { n: 1 },
          createdAt: at,
        }),
      );
      await expect(
        store().transaction(async (tx) => {
          await tx.outbox.append({ id: dropped, type: 'gate.failed', payload: {}, createdAt: at });
          await tx.jobs.schedule({ kind: 'rollback-test', key: `k:${dropped}`, runAt: at }, { at });
          throw new Error('the state change failed');
        }),
      ).rejects.toThrow('the state change failed');
      await store().read(async (tx) => {
        expect(await tx.outbox.get(kept)).toStrictEqual({
          id: kept,
          type: 'transition.executed',
          payload: { n: 1 },
          createdAt: at,
        });
        expect(await tx.jobs.find(`outbox.dispatch:${kept}`)).toMatchObject({
          kind: 'outbox.dispatch',
          payload: { eventId: kept },
          runAt: at,
        });
        expect(await tx.outbox.get(dropped)).toBeUndefined();
        expect(await tx.jobs.find(`outbox.dispatch:${dropped}`)).toBeUndefined();
        expect(await tx.jobs.find(`k:${dropped}`)).toBeUndefined();
      });
    });

    it('records an event whose dispatch key has an unfinished job and keeps that job; refuses a duplicate event', async () => {
      const event = unique('evt');
      const key = `outbox.dispatch:${event}`;
      const waiting = await schedule('outbox.dispatch', key, plus(minute));
      const append = () =>
        store().transaction((tx) =>
          tx.outbox.append({ id: event, type: 'gate.failed', payload: { n: 1 }, createdAt: at }),
        );
      await append();
      await store().read(async (tx) => {
        expect(await tx.outbox.get(event)).toMatchObject({ id: event, payload: { n: 1 } });
        expect(await tx.jobs.find(key)).toMatchObject({ id: waiting.id, runAt: plus(minute) });
      });
      const other = unique('evt');
      await expect(
        store().transaction(async (tx) => {
          await tx.outbox.append({ id: other, type: 'gate.failed', payload: {}, createdAt: at });
          await tx.outbox.append({ id: event, type: 'gate.failed', payload: {}, createdAt: at });
        }),
      ).rejects.toMatchObject({ code: 'conflict' });
      await store().read(async (tx) => {
        expect(await tx.outbox.get(event)).toMatchObject({ payload: { n: 1 } });
        expect(await tx.outbox.get(other)).toBeUndefined();
        expect(await tx.jobs.find(`outbox.dispatch:${other}`)).toBeUndefined();
        expect(await tx.jobs.find(key)).toMatchObject({ id: waiting.id });
      });
    });

    it('keeps one unfinished job per key; replace moves it; a finished key can be scheduled again', async () => {
      const kind = unique('kind');
      const key = unique('key');
      const first = await schedule(kind, key);
      expect(first.outcome).toBe('scheduled');
      expect(await schedule(kind, key, plus(minute))).toStrictEqual({
        id: first.id,
        outcome: 'kept',
      });
      const replaced = await store().transaction((tx) =>
        tx.jobs.schedule(
          { kind, key, runAt: plus(minute), payload: 2 },
          { at, onExisting: 'replace' },
        ),
      );
      expect(replaced).toStrictEqual({ id: first.id, outcome: 'replaced' });
      expect(await claim(kind, 'w1', at)).toStrictEqual([]);
      const job = only(await claim(kind, 'w1', plus(minute)));
      expect(job.payload).toBe(2);
      // Held by a worker: replace keeps it.
      const held = await store().transaction((tx) =>
        tx.jobs.schedule(
          { kind, key, runAt: plus(2 * minute) },
          { at: plus(minute), onExisting: 'replace' },
        ),
      );
      expect(held.outcome).toBe('kept');
      expect(await store().transaction((tx) => tx.jobs.complete(job.claim, plus(minute)))).toBe(
        true,
      );
      const again = await schedule(kind, key, plus(2 * minute));
      expect(again.outcome).toBe('scheduled');
      expect(again.id).not.toBe(first.id);
    });

    it('leases a due job to one claimer; after the lease expires another takes it over', async () => {
      const kind = unique('kind');
      await schedule(kind, unique('key'));
      const dead = only(await claim(kind, 'dead-worker', at));
      expect(dead).toMatchObject({
        attempts: 1,
        lockedBy: 'dead-worker',
        lockedUntil: plus(minute),
      });
      expect(await claim(kind, 'w2', plus(minute - 1))).toStrictEqual([]);
      const taken = only(await claim(kind, 'w2', plus(minute)));
      expect(taken.claim).toStrictEqual({ id: dead.id, workerId: 'w2', attempt: 2 });
      // The dead worker's late answers change nothing.
      await store().transaction(async (tx) => {
        expect(await tx.jobs.renew(dead.claim, { at: plus(minute), leaseMs: minute })).toBe(false);
        expect(await tx.jobs.complete(dead.claim, plus(minute))).toBe(false);
        expect(
          await tx.jobs.fail(dead.claim, { at: plus(minute), error: 'x', retryAt: plus(minute) }),
        ).toBe('lost');
      });
      expect(await store().transaction((tx) => tx.jobs.complete(taken.claim, plus(minute)))).toBe(
        true,
      );
      expect(await store().read((tx) => tx.jobs.find(taken.key))).toMatchObject({
        outcome: 'succeeded',
        doneAt: plus(minute),
        attempts: 2,
      });
    });

    it('renews a lease, and releases one without counting the attempt', async () => {
      const kind = unique('kind');
      await schedule(kind, unique('key'));
      const job = only(await claim(kind, 'w1', at));
      expect(
        await store().transaction((tx) =>
          tx.jobs.renew(job.claim, { at: plus(50_000), leaseMs: minute }),
        ),
      ).toBe(true);
      expect(await claim(kind, 'w2', plus(minute))).toStrictEqual([]);
      expect(await store().transaction((tx) => tx.jobs.release(job.claim, plus(minute)))).toBe(
        true,
      );
      const next = only(await claim(kind, 'w2', plus(minute)));
      expect(next.attempts).toBe(1);
    });

    it('retries a failed attempt at its retry time and gives up after maxAttempts', async () => {
      const kind = unique('kind');
      const key = unique('key');
      await schedule(kind, key, at, { maxAttempts: 2 });
      const first = only(await claim(kind, 'w1', at));
      expect(
        await store().transaction((tx) =>
          tx.jobs.fail(first.claim, { at, error: 'receiver down', retryAt: plus(5_000) }),
        ),
      ).toBe('retrying');
      expect(await claim(kind, 'w1', plus(4_999))).toStrictEqual([]);
      const second = only(await claim(kind, 'w1', plus(5_000)));
      expect(second).toMatchObject({ attempts: 2, lastError: 'receiver down' });
      expect(
        await store().transaction((tx) =>
          tx.jobs.fail(second.claim, {
            at: plus(5_000),
            error: 'still down',
            retryAt: plus(15_000),
          }),
        ),
      ).toBe('failed');
      expect(await claim(kind, 'w1', plus(minute))).toStrictEqual([]);
      expect(await store().read((tx) => tx.jobs.find(key))).toMatchObject({
        outcome: 'failed',
        lastError: 'still down',
        doneAt: plus(5_000),
      });
    });

    it('moves a recurring job to its next period, skipping periods missed', async () => {
      const kind = unique('kind');
      const key = unique('key');
      await schedule(kind, key, at, { everyMs: minute });
      const first = only(await claim(kind, 'w1', plus(1_000)));
      await store().transaction((tx) => tx.jobs.complete(first.claim, plus(2_000)));
      expect(await store().read((tx) => tx.jobs.find(key))).toMatchObject({
        runAt: plus(minute),
        scheduledAt: plus(minute),
        attempts: 0,
        everyMs: minute,
        outcome: 'succeeded',
      });
      expect(await schedule(kind, key, at, { everyMs: minute })).toMatchObject({ outcome: 'kept' });
      // A new period applies from the next occurrence on.
      expect(await schedule(kind, key, at, { everyMs: 2 * minute })).toMatchObject({
        outcome: 'replaced',
      });
      expect((await store().read((tx) => tx.jobs.find(key)))?.runAt).toBe(plus(minute));
      await schedule(kind, key, at, { everyMs: minute });
      // Down for three and a half periods: the next run is the first period still ahead.
      const late = only(await claim(kind, 'w1', plus(4.5 * minute)));
      expect(late.scheduledAt).toBe(plus(minute));
      await store().transaction((tx) => tx.jobs.complete(late.claim, plus(4.5 * minute)));
      expect((await store().read((tx) => tx.jobs.find(key)))?.runAt).toBe(plus(5 * minute));
      // A failure whose retry would fall in the next period gives the period up instead.
      const failing = only(await claim(kind, 'w1', plus(5 * minute)));
      expect(
        await store().transaction((tx) =>
          tx.jobs.fail(failing.claim, {
            at: plus(5 * minute),
            error: 'x',
            retryAt: plus(6 * minute),
          }),
        ),
      ).toBe('failed');
      expect(await store().read((tx) => tx.jobs.find(key))).toMatchObject({
        runAt: plus(6 * minute),
        outcome: 'failed',
        lastError: 'x',
      });
      expect(await store().transaction((tx) => tx.jobs.cancel(key, plus(6 * minute)))).toBe(true);
      expect(await claim(kind, 'w1', plus(10 * minute))).toStrictEqual([]);
    });

    it('plans one delivery per target once, each sent by its own job, and logs attempts', async () => {
      const event = unique('evt');
      const sent = plus(1_000);
      await store().transaction(async (tx) => {
        await tx.outbox.append({
          id: event,
          type: 'approval.requested',
          payload: {},
          createdAt: at,
        });
        expect(await tx.deliveries.plan(event, ['webhook:a', 'slack:b', 'webhook:a'], at)).toBe(2);
        expect(await tx.deliveries.plan(event, ['webhook:a'], at)).toBe(0);
        await tx.deliveries.recordAttempt({
          eventId: event,
          target: 'webhook:a',
          at: sent,
          durationMs: 12.4,
          statusCode: 503,
          outcome: 'retrying',
          nextAttemptAt: plus(11_000),
        });
        await tx.deliveries.recordAttempt({
          eventId: event,
          target: 'slack:b',
          at: sent,
          durationMs: 30,
          statusCode: 200,
          outcome: 'delivered',
        });
      });
      const deliveries = await store().read((tx) => tx.deliveries.list(event));
      expect(deliveries).toStrictEqual([
        {
          eventId: event,
          target: 'slack:b',
          status: 'delivered',
          attempts: 1,
          lastStatusCode: 200,
          firstAttemptAt: sent,
          lastAttemptAt: sent,
          lastDurationMs: 30,
          deliveredAt: sent,
          createdAt: at,
        },
        {
          eventId: event,
          target: 'webhook:a',
          status: 'pending',
          attempts: 1,
          nextAttemptAt: plus(11_000),
          lastStatusCode: 503,
          firstAttemptAt: sent,
          lastAttemptAt: sent,
          lastDurationMs: 12,
          createdAt: at,
        },
      ]);
      expect(
        await store().read((tx) => tx.jobs.find(`outbox.deliver:${event}:webhook:a`)),
      ).toMatchObject({ kind: 'outbox.deliver', payload: { eventId: event, target: 'webhook:a' } });
      expect(
        await store().transaction((tx) => tx.deliveries.redeliver(event, 'slack:b', sent)),
      ).toBe(true);
      expect((await store().read((tx) => tx.deliveries.list(event)))[0]?.status).toBe('pending');
    });

    it('purges finished jobs and settled events, never pending ones', async () => {
      const kind = unique('kind');
      const key = unique('key');
      const event = unique('evt');
      await schedule(kind, key);
      const job = only(await claim(kind, 'w1', at));
      await store().transaction(async (tx) => {
        await tx.jobs.complete(job.claim, at);
        await tx.outbox.append({ id: event, type: 'gate.failed', payload: {}, createdAt: at });
      });
      const later = plus(24 * 60 * minute);
      // The event's dispatch job is unfinished: the event stays.
      await store().transaction((tx) => tx.outbox.purgeSettledBefore(later, 1_000));
      expect(await store().read((tx) => tx.outbox.get(event))).toBeDefined();
      await store().transaction((tx) => tx.jobs.cancel(`outbox.dispatch:${event}`, at));
      await store().transaction(async (tx) => {
        expect(await tx.jobs.purgeFinishedBefore(later, 1_000)).toBeGreaterThanOrEqual(2);
        expect(await tx.outbox.purgeSettledBefore(later, 1_000)).toBeGreaterThanOrEqual(1);
      });
      await store().read(async (tx) => {
        expect(await tx.jobs.find(key)).toBeUndefined();
        expect(await tx.outbox.get(event)).toBeUndefined();
      });
    });
  });
}
