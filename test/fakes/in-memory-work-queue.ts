/**
 * The work queue's repositories for the in-memory Store: the same outcomes as
 * src/store/repositories/{job,outbox,delivery}-repository.ts, held to them by the work queue
 * contract (test/store/work-queue-contract.ts). The fake runs one transaction at a time, so a
 * claim is exclusive the way SQLite's is.
 */
import { randomUUID } from 'node:crypto';
import type {
  WebhookSubscription,
  WebhookSubscriptionRepository,
} from '../../src/app/shared/notification-ports.js';
import type {
  ClaimedJob,
  Delivery,
  DeliveryTarget,
  Job,
  JobClaim,
  JobOutcome,
  JobRepository,
  LoggedDeliveryAttempt,
  OutboxEvent,
  WorkQueueRepositories,
} from '../../src/app/shared/work-queue-ports.js';
import { ClearanceError } from '../../src/domain/index.js';

export interface WorkQueueState {
  outbox: Map<string, OutboxEvent>;
  jobs: Job[];
  deliveries: Delivery[];
  attempts: (LoggedDeliveryAttempt & { eventId: string; target: string })[];
  webhooks: Map<string, WebhookSubscription>;
}

export function emptyWorkQueue(): WorkQueueState {
  return { outbox: new Map(), jobs: [], deliveries: [], attempts: [], webhooks: new Map() };
}

const clone = <T>(value: T): T => structuredClone(value);

function nextPeriod(scheduledAt: string, everyMs: number, at: string): string {
  const start = Date.parse(scheduledAt);
  const periods = Math.max(1, Math.floor((Date.parse(at) - start) / everyMs) + 1);
  return new Date(start + periods * everyMs).toISOString();
}

function jobRepo(s: WorkQueueState): JobRepository {
  const unfinished = (key: string) => s.jobs.find((j) => j.key === key && j.doneAt === undefined);
  const held = (claim: JobClaim) =>
    s.jobs.find(
      (j) =>
        j.id === claim.id &&
        j.lockedBy === claim.workerId &&
        j.attempts === claim.attempt &&
        j.doneAt === undefined,
    );
  const unlock = (job: Job) => {
    delete job.lockedBy;
    delete job.lockedUntil;
  };
  function finish(claim: JobClaim, at: string, outcome: JobOutcome, error?: string): boolean {
    const job = held(claim);
    if (job === undefined) return false;
    unlock(job);
    if (error === undefined) delete job.lastError;
    else job.lastError = error;
    job.outcome = outcome;
    if (job.everyMs === undefined) {
      job.doneAt = at;
    } else {
      job.scheduledAt = nextPeriod(job.scheduledAt, job.everyMs, at);
      job.runAt = job.scheduledAt;
      job.attempts = 0;
    }
    return true;
  }
  return {
    async schedule(spec, options) {
      const existing = unfinished(spec.key);
      if (existing !== undefined) {
        const { everyMs } = existing;
        if (spec.everyMs !== undefined && everyMs !== undefined && spec.everyMs !== everyMs) {
          existing.everyMs = spec.everyMs;
          return { id: existing.id, outcome: 'replaced' };
        }
        const leased = existing.lockedUntil !== undefined && existing.lockedUntil > options.at;
        if (options.onExisting !== 'replace' || leased) return { id: existing.id, outcome: 'kept' };
        existing.runAt = spec.runAt;
        existing.scheduledAt = spec.runAt;
        existing.payload = clone(spec.payload ?? null);
        return { id: existing.id, outcome: 'replaced' };
      }
      const id = randomUUID();
      s.jobs.push({
        id,
        kind: spec.kind,
        key: spec.key,
        payload: clone(spec.payload ?? null),
        runAt: spec.runAt,
        scheduledAt: spec.runAt,
        ...(spec.everyMs === undefined ? {} : { everyMs: spec.everyMs }),
        attempts: 0,
        maxAttempts: spec.maxAttempts ?? 10,
        createdAt: options.at,
      });
      return { id, outcome: 'scheduled' };
    },
    async claim(input) {
      if (input.kinds.length === 0 || input.limit < 1) return [];
      const lockedUntil = new Date(Date.parse(input.at) + input.leaseMs).toISOString();
      const due = s.jobs
        .filter(
          (j) =>
            j.doneAt === undefined &&
            j.runAt <= input.at &&
            (j.lockedUntil === undefined || j.lockedUntil <= input.at) &&
            input.kinds.includes(j.kind),
        )
        .sort((a, b) => a.runAt.localeCompare(b.runAt) || a.id.localeCompare(b.id))
        .slice(0, input.limit);
      return due.map((job): ClaimedJob => {
        job.lockedBy = input.workerId;
        job.lockedUntil = lockedUntil;
        job.attempts += 1;
        const claim = { id: job.id, workerId: input.workerId, attempt: job.attempts };
        return { ...clone(job), lockedBy: input.workerId, lockedUntil, claim };
      });
    },
    async renew(claim, input) {
      const job = held(claim);
      if (job === undefined) return false;
      job.lockedUntil = new Date(Date.parse(input.at) + input.leaseMs).toISOString();
      return true;
    },
    complete: async (claim, at) => finish(claim, at, 'succeeded'),
    async fail(claim, input) {
      const job = held(claim);
      if (job === undefined) return 'lost';
      const pastPeriod =
        job.everyMs !== undefined &&
        input.retryAt >= nextPeriod(job.scheduledAt, job.everyMs, input.at);
      if (job.attempts >= job.maxAttempts || pastPeriod) {
        return finish(claim, input.at, 'failed', input.error) ? 'failed' : 'lost';
      }
      unlock(job);
      job.lastError = input.error;
      job.runAt = input.retryAt;
      return 'retrying';
    },
    async release(claim, at) {
      const job = held(claim);
      if (job === undefined) return false;
      unlock(job);
      job.runAt = at;
      job.attempts -= 1;
      return true;
    },
    async cancel(key, at) {
      const job = unfinished(key);
      if (job === undefined) return false;
      unlock(job);
      job.doneAt = at;
      job.outcome = 'cancelled';
      return true;
    },
    async find(key) {
      const job =
        unfinished(key) ??
        s.jobs
          .filter((j) => j.key === key)
          .sort((a, b) => (b.doneAt ?? '').localeCompare(a.doneAt ?? ''))[0];
      return job === undefined ? undefined : clone(job);
    },
    async purgeFinishedBefore(at, limit) {
      const finished = s.jobs
        .filter((j) => j.doneAt !== undefined && j.doneAt < at)
        .sort((a, b) => ((a.doneAt ?? '') < (b.doneAt ?? '') ? -1 : 1))
        .slice(0, limit);
      const gone = new Set(finished);
      s.jobs = s.jobs.filter((j) => !gone.has(j));
      return finished.length;
    },
  };
}

function webhookRepo(s: WorkQueueState): WebhookSubscriptionRepository {
  return {
    async insert(subscription) {
      if (s.webhooks.has(subscription.id)) {
        throw new ClearanceError(
          'conflict',
          `Webhook subscription ${subscription.id} already exists`,
        );
      }
      s.webhooks.set(subscription.id, clone(subscription));
    },
    get: async (id) => clone(s.webhooks.get(id)),
    list: async () =>
      [...s.webhooks.values()]
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
        .map(clone),
    async update(subscription) {
      const known = s.webhooks.get(subscription.id);
      if (known === undefined) return false;
      s.webhooks.set(subscription.id, {
        ...clone(subscription),
        createdAt: known.createdAt,
        createdBy: known.createdBy,
      });
      return true;
    },
    delete: async (id) => s.webhooks.delete(id),
  };
}

export function workQueueRepos(
  s: WorkQueueState,
): WorkQueueRepositories & { webhooks: WebhookSubscriptionRepository } {
  const jobs = jobRepo(s);
  const deliver = (
    eventId: string,
    target: DeliveryTarget,
    at: string,
    onExisting: 'keep' | 'replace' = 'keep',
  ) =>
    jobs.schedule(
      {
        kind: 'outbox.deliver',
        key: `outbox.deliver:${eventId}:${target}`,
        payload: { eventId, target },
        runAt: at,
      },
      { at, onExisting },
    );
  const delivery = (eventId: string, target: DeliveryTarget) =>
    s.deliveries.find((d) => d.eventId === eventId && d.target === target);
  return {
    jobs,
    webhooks: webhookRepo(s),
    outbox: {
      async append(event) {
        if (s.outbox.has(event.id)) {
          throw new ClearanceError('conflict', `Outbox event ${event.id} is already recorded`);
        }
        s.outbox.set(event.id, clone(event));
        await jobs.schedule(
          {
            kind: 'outbox.dispatch',
            key: `outbox.dispatch:${event.id}`,
            payload: { eventId: event.id },
            runAt: event.createdAt,
          },
          { at: event.createdAt },
        );
      },
      get: async (id) => clone(s.outbox.get(id)),
      async purgeSettledBefore(at, limit) {
        const settled = [...s.outbox.values()]
          .filter(
            (e) =>
              e.createdAt < at &&
              !s.deliveries.some((d) => d.eventId === e.id && d.status === 'pending') &&
              !s.jobs.some((j) => j.doneAt === undefined && j.key === `outbox.dispatch:${e.id}`),
          )
          .sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))
          .slice(0, limit);
        for (const event of settled) s.outbox.delete(event.id);
        const ids = new Set(settled.map((e) => e.id));
        s.deliveries = s.deliveries.filter((d) => !ids.has(d.eventId));
        s.attempts = s.attempts.filter((a) => !ids.has(a.eventId));
        return settled.length;
      },
    },
    deliveries: {
      async plan(eventId, targets, at, options) {
        let planned = 0;
        for (const target of new Set(targets)) {
          if (delivery(eventId, target) !== undefined) continue;
          s.deliveries.push({
            eventId,
            target,
            status: 'pending',
            attempts: 0,
            nextAttemptAt: at,
            createdAt: at,
          });
          if (options?.job !== false) await deliver(eventId, target, at);
          planned += 1;
        }
        return planned;
      },
      async recordAttempt(attempt) {
        const d = delivery(attempt.eventId, attempt.target);
        if (d === undefined) return;
        const { eventId, target, createdAt } = d;
        s.attempts.push({
          eventId,
          target,
          attempt: d.attempts + 1,
          at: attempt.at,
          outcome: attempt.outcome,
          ...(attempt.statusCode === undefined ? {} : { statusCode: attempt.statusCode }),
          ...(attempt.error === undefined ? {} : { error: attempt.error }),
          durationMs: Math.round(attempt.durationMs),
          ...(attempt.outcome === 'retrying' && attempt.nextAttemptAt !== undefined
            ? { nextAttemptAt: attempt.nextAttemptAt }
            : {}),
        });
        const retrying = attempt.outcome === 'retrying';
        Object.assign(
          d,
          {
            eventId,
            target,
            status: retrying ? 'pending' : attempt.outcome,
            attempts: d.attempts + 1,
            firstAttemptAt: d.firstAttemptAt ?? attempt.at,
            lastAttemptAt: attempt.at,
            lastDurationMs: Math.round(attempt.durationMs),
            createdAt,
          },
          retrying && attempt.nextAttemptAt !== undefined
            ? { nextAttemptAt: attempt.nextAttemptAt }
            : {},
          attempt.statusCode === undefined ? {} : { lastStatusCode: attempt.statusCode },
          attempt.error === undefined ? {} : { lastError: attempt.error },
          attempt.outcome === 'delivered' ? { deliveredAt: attempt.at } : {},
        );
        if (!retrying) delete d.nextAttemptAt;
        if (attempt.statusCode === undefined) delete d.lastStatusCode;
        if (attempt.error === undefined) delete d.lastError;
        if (attempt.outcome !== 'delivered') delete d.deliveredAt;
      },
      async redeliver(eventId, target, at) {
        const d = delivery(eventId, target);
        if (d === undefined) return false;
        d.status = 'pending';
        d.nextAttemptAt = at;
        delete d.firstAttemptAt;
        await deliver(eventId, target, at, 'replace');
        return true;
      },
      list: async (eventId) =>
        clone(
          s.deliveries
            .filter((d) => d.eventId === eventId)
            .sort((a, b) => a.target.localeCompare(b.target)),
        ),
      get: async (eventId, target) => clone(delivery(eventId, target)),
      listByTarget: async (target, limit) =>
        clone(
          s.deliveries
            .filter((d) => d.target === target)
            .sort(
              (a, b) =>
                b.createdAt.localeCompare(a.createdAt) || b.eventId.localeCompare(a.eventId),
            )
            .slice(0, limit),
        ),
      listPending: async (prefix) =>
        clone(
          s.deliveries
            .filter((d) => d.status === 'pending' && d.target.startsWith(prefix))
            .sort(
              (a, b) =>
                a.createdAt.localeCompare(b.createdAt) || a.eventId.localeCompare(b.eventId),
            ),
        ),
      attempts: async (eventId, target) =>
        clone(
          s.attempts
            .filter((a) => a.eventId === eventId && a.target === target)
            .sort((a, b) => a.attempt - b.attempt)
            .map(({ eventId: _e, target: _t, ...rest }) => rest),
        ),
    },
  };
}
