/**
 * The delivery side of the transactional outbox (ADR 009), as job handlers:
 *
 * - `outbox.dispatch` plans one delivery per target of the event (plan-deliveries.ts) in one
 *   transaction with the job's completion, so a dispatch that runs twice plans once;
 * - `outbox.deliver` sends one delivery outside any transaction, then records the attempt and
 *   either finishes, or completes its job and schedules the next attempt under the same key at
 *   the time the retry schedule gives (exponential backoff with jitter, up to a deadline counted
 *   from the first attempt). Sending is at least once: a server that dies after sending and
 *   before recording sends again after its lease, with the same `webhook-id`;
 * - `notify.digest` sends each person's pending digest deliveries as one email.
 *
 * A webhook delivery that fails for good counts against its subscription; after
 * `disableAfterFailures` in a row the subscription is disabled, with its audit entry and a
 * `webhook.disabled` event (emailed to every global admin with an address).
 */
import { type NotificationEvent, parseNotificationEvent } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord, systemActor } from '../shared/audit-record.js';
import { emit } from '../shared/emit-event.js';
import type {
  EmailAddressee,
  NotificationSettings,
  SendResult,
} from '../shared/notification-ports.js';
import type { Repositories } from '../shared/ports.js';
import type { Delivery, JobHandler } from '../shared/work-queue-ports.js';
import { perTargetLimiter } from './per-target-limiter.js';
import { planTargets, slackTarget, targetPrefixes } from './plan-deliveries.js';
import { validSecrets } from './webhook-subscriptions.js';

export const notificationJobKinds = {
  dispatch: 'outbox.dispatch',
  deliver: 'outbox.deliver',
  digest: 'notify.digest',
} as const;

/** Reports of what happened to a delivery, for metrics and logs. */
export interface DeliveryReport {
  target: string;
  channel: 'webhook' | 'slack' | 'email' | 'digest';
  outcome: 'delivered' | 'retrying' | 'failed';
  /** From the event's creation to this attempt's end. */
  lagMs: number;
  durationMs: number;
}

export interface NotificationHandlerOptions {
  /**
   * Attempts this process sends to one target at once (a webhook subscription, a Slack URL, a
   * person's email); the runner's other places go on with other targets' jobs. Default 4.
   */
  perTargetConcurrency?: number;
  onDelivery?: (report: DeliveryReport) => void;
  /** A subscription disabled after failing `disableAfterFailures` deliveries in a row. */
  onDisabled?: (subscriptionId: string) => void;
}

type Prepared =
  | { kind: 'settled' }
  | { kind: 'gone'; reason: string; event?: NotificationEvent }
  | {
      kind: 'send';
      event: NotificationEvent;
      send: (s: NotificationSettings) => Promise<SendResult>;
    };

function channelOf(target: string): DeliveryReport['channel'] {
  const prefix = target.slice(0, target.indexOf(':') + 1);
  const found = Object.entries(targetPrefixes).find(([, p]) => p === prefix);
  return (found?.[0] ?? 'webhook') as DeliveryReport['channel'];
}

async function storedEvent(tx: Repositories, id: string): Promise<NotificationEvent | undefined> {
  const row = await tx.outbox.get(id);
  if (row === undefined) return undefined;
  const parsed = parseNotificationEvent(row.payload);
  return parsed.ok ? parsed.event : undefined;
}

type Addressed = EmailAddressee | { gone: string };

/** Whom an email goes to, checked at sending: an account disabled after planning hears nothing. */
async function addressee(tx: Repositories, userId: string): Promise<Addressed> {
  const user = await tx.identity.getUser(userId);
  if (user?.disabledAt !== undefined) return { gone: `The account of user ${userId} is disabled` };
  if (user?.email === undefined) return { gone: `User ${userId} has no email address` };
  return {
    userId,
    email: user.email,
    ...(user.displayName === undefined ? {} : { displayName: user.displayName }),
  };
}

async function prepare(
  tx: Repositories,
  input: { eventId: string; target: string; at: string; rules: NotificationSettings['rules'] },
): Promise<Prepared> {
  const { eventId, target, at } = input;
  const delivery = await tx.deliveries.get(eventId, target);
  if (delivery === undefined || delivery.status !== 'pending') return { kind: 'settled' };
  const event = await storedEvent(tx, eventId);
  if (event === undefined) return { kind: 'gone', reason: `Event ${eventId} is not readable` };
  const name = target.slice(target.indexOf(':') + 1);
  switch (channelOf(target)) {
    case 'webhook': {
      const subscription = await tx.webhooks.get(name);
      if (subscription === undefined)
        return { kind: 'gone', reason: 'The subscription was deleted', event };
      if (!subscription.enabled)
        return { kind: 'gone', reason: 'The subscription is disabled', event };
      const secrets = validSecrets(subscription.secrets, at).map((s) => s.secret);
      const url = subscription.url;
      return { kind: 'send', event, send: (s) => s.channels.webhook({ url, event, secrets }) };
    }
    case 'slack': {
      const url = input.rules.find(
        (r) => r.url !== undefined && slackTarget(r.url) === target,
      )?.url;
      if (url === undefined)
        return { kind: 'gone', reason: 'No routing rule names this Slack URL any more', event };
      return { kind: 'send', event, send: (s) => s.channels.slack({ url, event }) };
    }
    case 'email': {
      const to = await addressee(tx, name);
      if ('gone' in to) return { kind: 'gone', reason: to.gone, event };
      return { kind: 'send', event, send: (s) => s.channels.email({ to, event }) };
    }
    case 'digest':
      return { kind: 'settled' };
  }
}

export function notificationJobHandlers(
  deps: AppDeps,
  options: NotificationHandlerOptions = {},
): Record<(typeof notificationJobKinds)[keyof typeof notificationJobKinds], JobHandler> {
  const { store } = deps;
  const limited = perTargetLimiter(Math.max(1, options.perTargetConcurrency ?? 4));
  return {
    [notificationJobKinds.dispatch]: async ({ job, completeIn, now }) => {
      const { eventId } = job.payload as { eventId: string };
      await store.transaction(async (tx) => {
        const settings = deps.notifications;
        const event = await storedEvent(tx, eventId);
        if (settings !== undefined && event !== undefined) {
          const targets = await planTargets(tx, { event, rules: settings.rules });
          const at = now().toISOString();
          await tx.deliveries.plan(eventId, targets.now, at);
          await tx.deliveries.plan(eventId, targets.digest, at, { job: false });
        }
        await completeIn(tx);
      });
    },
    [notificationJobKinds.deliver]: async ({ job, completeIn, now, signal }) => {
      const settings = deps.notifications;
      const { eventId, target } = job.payload as { eventId: string; target: string };
      const started = now();
      const at = started.toISOString();
      const rules = settings?.rules ?? [];
      const prepared = await store.read((tx) => prepare(tx, { eventId, target, at, rules }));
      if (prepared.kind === 'settled' || settings === undefined) {
        await store.transaction((tx) => completeIn(tx));
        return;
      }
      const result: SendResult =
        prepared.kind === 'gone'
          ? { outcome: 'failed', error: prepared.reason, durationMs: 0 }
          : await limited(target, signal, () => prepared.send(settings));
      const report = await store.transaction(async (tx) => {
        const delivery = await tx.deliveries.get(eventId, target);
        if (delivery === undefined || delivery.status !== 'pending') {
          await completeIn(tx);
          return undefined;
        }
        const recorded = await recordResult(tx, {
          settings,
          delivery,
          result,
          started,
          now: now(),
        });
        await completeIn(tx);
        if (recorded.nextAttemptAt !== undefined) {
          await tx.jobs.schedule(
            { kind: job.kind, key: job.key, payload: job.payload, runAt: recorded.nextAttemptAt },
            { at: now().toISOString() },
          );
        }
        if (target.startsWith(targetPrefixes.webhook) && recorded.outcome !== 'retrying') {
          const id = target.slice(targetPrefixes.webhook.length);
          const disabled = await countOutcome(tx, {
            deps,
            settings,
            id,
            delivered: recorded.outcome === 'delivered',
            at: now().toISOString(),
            lastError: result.error,
          });
          if (disabled) options.onDisabled?.(id);
        }
        return recorded;
      });
      if (report === undefined) return;
      options.onDelivery?.({
        target,
        channel: channelOf(target),
        outcome: report.outcome,
        lagMs: now().getTime() - Date.parse(eventOf(prepared)?.occurredAt ?? at),
        durationMs: result.durationMs,
      });
    },
    [notificationJobKinds.digest]: async ({ now }) => {
      const settings = deps.notifications;
      if (settings === undefined) return;
      await sendDigests(deps, settings, { now, ...options });
    },
  };
}

function eventOf(prepared: Prepared): NotificationEvent | undefined {
  return prepared.kind === 'settled' ? undefined : prepared.event;
}

async function recordResult(
  tx: Repositories,
  input: {
    settings: NotificationSettings;
    delivery: Delivery;
    result: SendResult;
    started: Date;
    now: Date;
  },
): Promise<{ outcome: 'delivered' | 'retrying' | 'failed'; nextAttemptAt?: string }> {
  const { delivery, result, started } = input;
  const firstAttemptAt = new Date(delivery.firstAttemptAt ?? started.toISOString());
  const next =
    result.outcome === 'retry'
      ? input.settings.channels.nextAttemptAt({
          failedAttempts: delivery.attempts + 1,
          firstAttemptAt,
          failedAt: input.now,
          ...(result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs }),
        })
      : undefined;
  const outcome =
    result.outcome === 'delivered' ? 'delivered' : next !== undefined ? 'retrying' : 'failed';
  const gaveUp = result.outcome === 'retry' && next === undefined;
  const error = gaveUp
    ? `${result.error ?? 'failed'}; gave up at the retry deadline`
    : result.error;
  await tx.deliveries.recordAttempt({
    eventId: delivery.eventId,
    target: delivery.target,
    at: started.toISOString(),
    durationMs: result.durationMs,
    outcome,
    ...(result.statusCode === undefined ? {} : { statusCode: result.statusCode }),
    ...(error === undefined ? {} : { error }),
    ...(next === undefined ? {} : { nextAttemptAt: next.toISOString() }),
  });
  return { outcome, ...(next === undefined ? {} : { nextAttemptAt: next.toISOString() }) };
}

/** Counts a finished webhook delivery; true when it disabled the subscription. */
async function countOutcome(
  tx: Repositories,
  input: {
    deps: Pick<AppDeps, 'ids' | 'clock'>;
    settings: NotificationSettings;
    id: string;
    delivered: boolean;
    at: string;
    lastError: string | undefined;
  },
): Promise<boolean> {
  const subscription = await tx.webhooks.get(input.id, { forUpdate: true });
  if (subscription === undefined) return false;
  if (input.delivered) {
    if (subscription.consecutiveFailures === 0) return false;
    await tx.webhooks.update({ ...subscription, consecutiveFailures: 0 });
    return false;
  }
  const failures = subscription.consecutiveFailures + 1;
  const limit = input.settings.disableAfterFailures;
  const disable = subscription.enabled && limit > 0 && failures >= limit;
  const reason = `${failures} deliveries in a row failed; the last: ${input.lastError ?? 'unknown'}`;
  await tx.webhooks.update({
    ...subscription,
    consecutiveFailures: failures,
    ...(disable
      ? { enabled: false, disabledAt: input.at, disabledReason: reason, updatedAt: input.at }
      : {}),
  });
  if (!disable) return false;
  await tx.audit.append(
    auditRecord({
      actor: systemActor('webhook-delivery'),
      time: input.at,
      action: 'webhook.disabled',
      subject: { type: 'webhook', id: input.id },
      reason,
      data: { url: subscription.url, consecutiveFailures: failures },
    }),
  );
  // Admins hear of it through the outbox like any event: email to every global admin with an
  // address, and any other subscription or rule that asks for `webhook.disabled`.
  await emit(tx, input.deps, {
    type: 'webhook.disabled',
    at: input.at,
    subject: { webhookId: input.id },
    data: {
      subscriptionId: input.id,
      url: subscription.url,
      consecutiveFailures: failures,
      reason,
    },
  });
  return true;
}

/** One email per person with pending digest deliveries, holding all of their events. */
async function sendDigests(
  deps: AppDeps,
  settings: NotificationSettings,
  input: { now: () => Date } & NotificationHandlerOptions,
): Promise<void> {
  const pending = await deps.store.read((tx) => tx.deliveries.listPending(targetPrefixes.digest));
  const byTarget = new Map<string, Delivery[]>();
  for (const d of pending) byTarget.set(d.target, [...(byTarget.get(d.target) ?? []), d]);
  for (const [target, deliveries] of byTarget) {
    const userId = target.slice(targetPrefixes.digest.length);
    const loaded = await deps.store.read(async (tx) => {
      const events: NotificationEvent[] = [];
      for (const d of deliveries) {
        const event = await storedEvent(tx, d.eventId);
        if (event !== undefined) events.push(event);
      }
      return { to: await addressee(tx, userId), events };
    });
    const started = input.now();
    const result: SendResult =
      'gone' in loaded.to
        ? { outcome: 'failed', error: loaded.to.gone, durationMs: 0 }
        : await settings.channels.digest({
            to: loaded.to,
            day: started.toISOString().slice(0, 10),
            events: loaded.events,
          });
    await deps.store.transaction(async (tx) => {
      for (const delivery of deliveries) {
        const current = await tx.deliveries.get(delivery.eventId, target);
        if (current?.status !== 'pending') continue;
        await recordResult(tx, { settings, delivery: current, result, started, now: input.now() });
      }
    });
  }
}
