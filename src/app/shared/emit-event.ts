/**
 * The transactional outbox, emission side (ADR 009): a use case appends each notification event
 * on `tx`, beside the audit entry of the change it reports, so the event commits or rolls back
 * with that change. Events are built by the contract (`buildNotificationEvent`), which throws on a
 * shape it does not describe: a producer bug fails the action rather than emitting garbage.
 */
import type { TransitionRequest } from '../../domain/index.js';
import {
  buildNotificationEvent,
  type NotificationEventInput,
  type NotificationEventType,
  type RequestSummary,
} from '../../domain/notification-events.js';
import type { AppDeps } from './app-deps.js';
import type { Repositories } from './ports.js';

/** An event as a use case gives it: the id comes from `deps.ids`, the time from `deps.clock`. */
export type EventToEmit<T extends NotificationEventType> = Omit<
  NotificationEventInput<T>,
  'id' | 'occurredAt'
> & {
  /** When the change happened (the audit entry's time); now by the clock when absent. */
  at?: string;
};

/** Appends one event (and, through the outbox, its dispatch job) in the caller's transaction. */
export async function emit<T extends NotificationEventType>(
  tx: Repositories,
  deps: Pick<AppDeps, 'ids' | 'clock'>,
  event: EventToEmit<T>,
): Promise<void> {
  const { at, ...input } = event;
  const built = buildNotificationEvent({
    ...input,
    id: `evt_${deps.ids.next()}`,
    occurredAt: at ?? deps.clock.now().toISOString(),
  });
  await tx.outbox.append({
    id: built.id,
    type: built.type,
    payload: built,
    createdAt: built.occurredAt,
  });
}

/** The request as events describe it. */
export function requestSummary(request: TransitionRequest): RequestSummary {
  return {
    id: request.id,
    model: request.model,
    version: request.version,
    from: request.from,
    to: request.to,
    changeType: request.changeType,
    reason: request.reason,
    ...(request.ticket ? { ticket: request.ticket } : {}),
    requestedBy: request.requestedBy,
    requestedAt: request.requestedAt,
  };
}

/** The subject of an event about a request (links to the request, the model and the decision). */
export function requestSubject(
  request: Pick<TransitionRequest, 'id' | 'model' | 'version'>,
  decisionId?: string,
): EventToEmit<NotificationEventType>['subject'] {
  return {
    model: request.model,
    version: request.version,
    requestId: request.id,
    ...(decisionId !== undefined ? { decisionId } : {}),
  };
}
