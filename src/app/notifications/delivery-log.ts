/** A subscription's delivery log, and sending one of its deliveries again. */
import { ClearanceError, invalidInput, notFound, type Principal } from '../../domain/index.js';
import { assertGlobalRole } from '../identity/identity-rules.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { guarded } from '../shared/authorise.js';
import type { Delivery, LoggedDeliveryAttempt } from '../shared/work-queue-ports.js';
import { targetPrefixes } from './plan-deliveries.js';

export interface DeliveryLogEntry extends Delivery {
  eventType?: string;
  attemptLog: LoggedDeliveryAttempt[];
}

const maxLimit = 200;

export async function listWebhookDeliveries(
  deps: AppDeps,
  principal: Principal,
  input: { id: string; limit?: number | undefined },
): Promise<DeliveryLogEntry[]> {
  const limit = input.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
    throw invalidInput(`limit ${limit} is out of range.`, `Use 1 to ${maxLimit}.`);
  }
  const subject = { type: 'webhook', id: input.id };
  return guarded(deps, { actor: principal, action: 'webhook.deliveries', subject }, () =>
    deps.store.read(async (tx) => {
      assertGlobalRole({ principal, roles: ['admin', 'auditor'], action: 'read delivery logs' });
      if ((await tx.webhooks.get(input.id)) === undefined)
        throw notFound(
          `Webhook subscription ${input.id}`,
          'List them with `clearance webhook list`.',
        );
      const target = `${targetPrefixes.webhook}${input.id}`;
      const entries: DeliveryLogEntry[] = [];
      for (const delivery of await tx.deliveries.listByTarget(target, limit)) {
        const event = await tx.outbox.get(delivery.eventId);
        entries.push({
          ...delivery,
          ...(event === undefined ? {} : { eventType: event.type }),
          attemptLog: await tx.deliveries.attempts(delivery.eventId, target),
        });
      }
      return entries;
    }),
  );
}

/** Sends an event to the subscription again, as a new series of attempts; audited. */
export async function redeliverWebhook(
  deps: AppDeps,
  principal: Principal,
  input: { id: string; eventId: string },
): Promise<Delivery> {
  const subject = { type: 'webhook', id: input.id };
  return guarded(deps, { actor: principal, action: 'webhook.redeliver', subject }, () =>
    deps.store.transaction(async (tx) => {
      assertGlobalRole({ principal, roles: ['admin'], action: 'redeliver webhooks' });
      const subscription = await tx.webhooks.get(input.id);
      if (subscription === undefined)
        throw notFound(
          `Webhook subscription ${input.id}`,
          'List them with `clearance webhook list`.',
        );
      if (!subscription.enabled) {
        const message = `Webhook subscription ${input.id} is disabled, so a redelivery would fail.`;
        throw new ClearanceError('precondition_failed', message, {
          problems: [
            {
              message,
              fix: `Enable it first: \`clearance webhook update ${input.id} --enable\`.`,
            },
          ],
        });
      }
      const target = `${targetPrefixes.webhook}${input.id}`;
      const time = deps.clock.now().toISOString();
      if (!(await tx.deliveries.redeliver(input.eventId, target, time))) {
        throw notFound(
          `Delivery of event ${input.eventId} to webhook ${input.id}`,
          'Pick an event from `clearance webhook deliveries`.',
        );
      }
      await tx.audit.append(
        auditRecord({
          actor: principal,
          time,
          action: 'webhook.redelivered',
          subject,
          data: { eventId: input.eventId },
        }),
      );
      const delivery = await tx.deliveries.get(input.eventId, target);
      if (delivery === undefined) throw new Error('A redelivered delivery vanished');
      return delivery;
    }),
  );
}
