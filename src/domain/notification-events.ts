/**
 * The notification event contract: what webhooks, Slack and email receive. Each event is a JSON
 * envelope `{ type, version, id, occurredAt, subject, data }`; `type` and `version` together fix
 * the shape of `data`. A change that removes or retypes a field is a new `version`; adding an
 * optional field is not, so receivers must ignore fields they do not know.
 *
 * The Zod schemas are the contract: producers validate what they emit with them, and
 * `docs/reference/notifications.md` documents them (its examples are checked against them).
 */
import { z } from 'zod';
import { eventLinks } from './notification-links.js';

const instant = z.iso.datetime().describe('RFC 3339 UTC timestamp with milliseconds');
const text = z.string().min(1);

const subjectSchema = z
  .strictObject({
    model: text.optional(),
    version: text.optional(),
    requestId: text.optional(),
    rolloutId: text.optional(),
    webhookId: text.optional(),
    links: z
      .strictObject({
        api: text.describe(
          'API path of what the event is about (the request, else the rollout, the version, the model)',
        ),
        model: text.optional(),
        version: text.optional(),
        request: text.optional(),
        rollout: text.optional(),
        decision: text.optional(),
        webhook: text.optional(),
      })
      .describe('Paths under the server URL; renderers prefix the configured public URL'),
  })
  .describe('What the event is about, with links into the API');

const requestSummary = z.strictObject({
  id: text,
  model: text,
  version: text,
  from: text,
  to: text,
  changeType: z.enum(['standard', 'emergency', 'experiment']),
  reason: z.string(),
  ticket: text.optional(),
  requestedBy: text,
  requestedAt: instant,
});

const person = z.strictObject({ userId: text, displayName: text.optional() });
const roleNeeded = z.strictObject({ role: text, needed: z.int().min(1) });
const reviewAwaiting = z
  .array(roleNeeded.extend({ holders: z.array(person) }))
  .describe(
    'Review sign-offs still missing, how many each, and who holds the role now (never the requester): the people who must act',
  );
const failedGate = z.strictObject({
  gateId: text,
  outcome: z.enum(['fail', 'error']),
  explanation: z.string(),
});
const rolloutSummary = z.strictObject({
  id: text,
  model: text,
  version: text,
  traffic: z.number().min(0).max(1).describe('Share of traffic on the candidate, 0 to 1'),
});

/** `data` of each event type, version 1. */
const dataSchemas = {
  'approval.requested': z.strictObject({
    request: requestSummary,
    awaiting: z
      .array(roleNeeded.extend({ holders: z.array(person) }))
      .describe('Roles that must still sign off, how many each, and who holds them now'),
  }),
  'approval.recorded': z.strictObject({
    request: requestSummary,
    approval: z.strictObject({
      id: text,
      approver: text,
      role: text,
      decision: z.enum(['approve', 'reject']),
      comment: z.string(),
      at: instant,
    }),
    stillNeeded: z.array(roleNeeded),
  }),
  'gate.failed': z.strictObject({
    model: text,
    version: text,
    from: text,
    to: text,
    requestId: text.optional(),
    decisionId: text,
    failed: z.array(failedGate).min(1),
  }),
  'transition.executed': z.strictObject({
    request: requestSummary,
    executedBy: text,
    decisionId: text.optional(),
  }),
  'transition.rejected': z.strictObject({
    request: requestSummary,
    rejectedBy: text,
    reason: z.string(),
  }),
  'transition.blocked': z.strictObject({
    request: requestSummary,
    decisionId: text,
    reasons: z.array(z.string()).min(1),
  }),
  'transition.expired': z.strictObject({
    request: requestSummary,
    previousStatus: z.enum(['pending', 'approved']),
    expiredAt: instant,
    lifetime: text.describe("The policy's requests.expireAfter (or the default) it outlived"),
  }),
  'emergency.bypassed': z.strictObject({
    request: requestSummary,
    bypassedGates: z.array(text),
    bypassExpiresAt: instant,
    reviewDueAt: instant,
  }),
  'review.due': z.strictObject({
    request: requestSummary,
    reviewDueAt: instant,
    awaiting: reviewAwaiting.optional(),
  }),
  'review.overdue': z.strictObject({
    request: requestSummary,
    reviewDueAt: instant,
    awaiting: reviewAwaiting.optional(),
  }),
  'review.rejected': z.strictObject({
    request: requestSummary,
    review: z.strictObject({
      approvalId: text,
      reviewer: text,
      role: text,
      findings: z
        .string()
        .describe("The reviewer's findings (the comment of the rejecting sign-off)"),
      ticket: text.optional(),
      at: instant,
    }),
    stillServing: z
      .boolean()
      .describe('The emergency version is still in the state the change put it in'),
  }),
  'rollback.executed': z.strictObject({
    model: text,
    version: text.describe('The version taken out'),
    restoredVersion: text.optional().describe('The version serving again, when there is one'),
    toState: text.describe('The state the version taken out is in now'),
    trigger: text.describe('`manual`, or what rolled it back (`emergency.expired`)'),
    reason: z.string(),
    rolledBackBy: text.describe('A user or token id, or `system:<job>`'),
    request: requestSummary
      .optional()
      .describe('The emergency request whose expiry rolled it back'),
  }),
  'rollout.started': z.strictObject({ rollout: rolloutSummary, baselineVersion: text.optional() }),
  'rollout.paused': z.strictObject({
    rollout: rolloutSummary,
    reason: z.string(),
    trigger: text.optional(),
  }),
  'rollout.rolled_back': z.strictObject({
    rollout: rolloutSummary,
    reason: z.string(),
    trigger: text.optional(),
    restoredVersion: text.optional(),
  }),
  'rollout.completed': z.strictObject({ rollout: rolloutSummary }),
  'audit.checkpoint_signed': z.strictObject({
    origin: text,
    size: z.int().min(0),
    rootHash: z.base64().describe('RFC 9162 root hash, base64'),
    signedAt: instant,
  }),
  'webhook.disabled': z.strictObject({
    subscriptionId: text,
    url: text,
    consecutiveFailures: z.int().min(1),
    reason: z.string(),
  }),
} as const;

type DataSchemas = typeof dataSchemas;
export type NotificationEventType = keyof DataSchemas;

/** Every event type, in catalogue order. */
export const notificationEventTypes = Object.keys(dataSchemas) as NotificationEventType[];

/** The version of `data` each type is emitted at now. */
export const notificationEventVersion = 1;

function envelope<T extends NotificationEventType>(type: T) {
  return z.strictObject({
    type: z.literal(type),
    version: z.literal(notificationEventVersion),
    id: text.describe('Unique per event; the `webhook-id` header; receivers dedupe on it'),
    occurredAt: instant,
    subject: subjectSchema,
    data: dataSchemas[type] as DataSchemas[T],
  });
}

const envelopes = notificationEventTypes.map((type) => envelope(type));

/** The whole contract: one envelope per event type, told apart by `type`. */
export const notificationEventSchema = z.discriminatedUnion(
  'type',
  envelopes as unknown as [
    ReturnType<typeof envelope<NotificationEventType>>,
    ...ReturnType<typeof envelope<NotificationEventType>>[],
  ],
);

export type NotificationSubject = z.infer<typeof subjectSchema>;
export type NotificationData<T extends NotificationEventType> = z.infer<DataSchemas[T]>;

/** An event of type `T`, as sent. */
export interface NotificationEventOf<T extends NotificationEventType> {
  type: T;
  version: typeof notificationEventVersion;
  id: string;
  occurredAt: string;
  subject: NotificationSubject;
  data: NotificationData<T>;
}

/** Any event; narrow on `type` to read `data`. */
export type NotificationEvent = {
  [T in NotificationEventType]: NotificationEventOf<T>;
}[NotificationEventType];

export type RequestSummary = z.infer<typeof requestSummary>;

export interface NotificationEventInput<T extends NotificationEventType> {
  type: T;
  id: string;
  occurredAt: string;
  subject: Omit<NotificationSubject, 'links'> & { decisionId?: string };
  data: NotificationData<T>;
}

/**
 * Builds an event with its links and checks it against the contract; a producer that emits a
 * shape the contract does not describe is a bug, so this throws rather than returning a value.
 */
export function buildNotificationEvent<T extends NotificationEventType>(
  input: NotificationEventInput<T>,
): NotificationEventOf<T> {
  const { decisionId, ...subject } = input.subject;
  const event = {
    type: input.type,
    version: notificationEventVersion,
    id: input.id,
    occurredAt: input.occurredAt,
    subject: { ...subject, links: eventLinks({ ...subject, decisionId }) },
    data: input.data,
  };
  const parsed = notificationEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new Error(
      `Notification event ${input.type} breaks its contract: ${parsed.error.message}`,
    );
  }
  return event as NotificationEventOf<T>;
}

/** Parses untrusted JSON (a received webhook body, an outbox row) into an event, or says why not. */
export function parseNotificationEvent(
  value: unknown,
): { ok: true; event: NotificationEvent } | { ok: false; problems: string[] } {
  const parsed = notificationEventSchema.safeParse(value);
  if (parsed.success) return { ok: true, event: parsed.data as NotificationEvent };
  return {
    ok: false,
    problems: parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    ),
  };
}

/** The contract as JSON Schema (draft 2020-12), for the reference docs and for receivers. */
export function notificationEventJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(notificationEventSchema) as Record<string, unknown>;
}
