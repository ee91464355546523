/**
 * The delivery side of the outbox on a test store: real channels (webhooks and Slack to local
 * receivers, loopback allowed explicitly; email to a local SMTP server), a job runner with the
 * notification handlers on the test's fixed clock, and events emitted as use cases emit them.
 */
import type { NotificationChannels, NotificationSettings } from '../../src/app/index.js';
import { notificationJobHandlers } from '../../src/app/index.js';
import type { AppDeps } from '../../src/app/shared/app-deps.js';
import { emit } from '../../src/app/shared/emit-event.js';
import type { NotificationEvent, RoutingRule } from '../../src/domain/index.js';
import { createJobRunner, type JobRunner } from '../../src/jobs/index.js';
import {
  createNotificationChannels,
  type EmailSender,
  type RetrySchedule,
} from '../../src/notify/index.js';
import type { StoreHarness } from '../app/harness.js';

export const testSchedule: RetrySchedule = {
  baseDelayMs: 10_000,
  maxDelayMs: 60_000,
  minDelayMs: 1_000,
  deadlineMs: 5 * 60_000,
};

export function channels(input: {
  loopback?: boolean;
  email?: EmailSender;
  random?: () => number;
}): NotificationChannels {
  return createNotificationChannels({
    policy: input.loopback === false ? {} : { allow: ['loopback'] },
    publicUrl: 'https://clearance.example',
    schedule: testSchedule,
    // Generous: the receivers answer at once; on a loaded machine an answer must not time out.
    timeoutMs: 30_000,
    random: input.random ?? (() => 0.5),
    ...(input.email === undefined
      ? {}
      : { email: { sender: input.email, from: 'Clearance <clearance@example.com>' } }),
  });
}

export function withNotifications(
  h: StoreHarness,
  input: {
    channels: NotificationChannels;
    rules?: RoutingRule[];
    disableAfterFailures?: number;
  },
): AppDeps & { notifications: NotificationSettings } {
  const notifications: NotificationSettings = {
    channels: input.channels,
    rules: input.rules ?? [],
    disableAfterFailures: input.disableAfterFailures ?? 5,
    secretOverlapSeconds: 3600,
  };
  h.deps.notifications = notifications;
  return { ...h.deps, notifications };
}

export function deliveryRunner(deps: AppDeps): JobRunner {
  return createJobRunner({
    store: deps.store,
    clock: deps.clock,
    handlers: notificationJobHandlers(deps),
    pollMs: 20,
  });
}

/** Appends `event`'s type and data as a use case would, in a transaction of its own; its id. */
export async function emitLike(deps: AppDeps, event: NotificationEvent): Promise<string> {
  const { subject } = event;
  let made = '';
  const ids = { next: () => (made = deps.ids.next()) };
  await deps.store.transaction((tx) =>
    emit(tx, { ids, clock: deps.clock }, {
      type: event.type,
      subject: {
        ...(subject.model === undefined ? {} : { model: subject.model }),
        ...(subject.version === undefined ? {} : { version: subject.version }),
        ...(subject.requestId === undefined ? {} : { requestId: subject.requestId }),
        ...(subject.rolloutId === undefined ? {} : { rolloutId: subject.rolloutId }),
      },
      data: event.data,
    } as Parameters<typeof emit>[2]),
  );
  return `evt_${made}`;
}
