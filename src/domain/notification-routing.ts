/**
 * Who hears what: routing rules from the server configuration, matched against an event, decide
 * which people get an email and which Slack channels get a message. Pure: the caller passes the
 * event and the people with their role bindings and addresses, so routing is tested without a
 * database and the config schema can reuse the rule schema.
 *
 * A person matched by several rules gets one email per event; an immediate rule wins over a
 * digest rule. A Slack URL matched by several rules gets one message.
 */
import { z } from 'zod';
import { type NotificationEvent, notificationEventTypes } from './notification-events.js';
import type { RoleBinding } from './registry.js';

const text = z.string().min(1);

export const routingRuleSchema = z
  .strictObject({
    name: text.optional().describe('Shown in logs and the delivery log'),
    events: z
      .union([z.literal('*'), z.array(z.enum(notificationEventTypes)).min(1)])
      .describe('Event types, or "*" for all'),
    models: z
      .array(text)
      .min(1)
      .optional()
      .describe('Model names; "*" matches any run of characters'),
    toState: z
      .union([text, z.array(text).min(1)])
      .optional()
      .describe('Target state of the transition'),
    channel: z.enum(['email', 'slack']),
    roles: z
      .array(text)
      .min(1)
      .optional()
      .describe('Email: people holding these roles for the model'),
    awaitingRoles: z
      .boolean()
      .optional()
      .describe('Email: people holding the roles an approval.requested event waits for'),
    users: z.array(text).min(1).optional().describe('Email: these users'),
    requester: z
      .boolean()
      .optional()
      .describe('Email: the person who opened the request the event is about (its `requestedBy`)'),
    digest: z.boolean().optional().describe('Email: once a day instead of one message per event'),
    url: z.url().optional().describe('Slack: the incoming-webhook URL'),
  })
  .superRefine((rule, ctx) => {
    const people =
      rule.roles !== undefined || rule.users !== undefined || rule.awaitingRoles || rule.requester;
    if (rule.channel === 'email' && !people) {
      ctx.addIssue({
        code: 'custom',
        message: 'An email rule needs roles, users, awaitingRoles or requester',
      });
    }
    if (rule.channel === 'slack' && rule.url === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'A Slack rule needs its webhook url',
      });
    }
    if (rule.channel === 'slack' && (people || rule.digest !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'roles, users, awaitingRoles, requester and digest are for email rules',
      });
    }
  });

export type RoutingRule = z.infer<typeof routingRuleSchema>;

/** A person as routing sees them: their roles, and an address if they gave one. */
export interface Recipient {
  userId: string;
  displayName?: string;
  email?: string;
  roles: readonly RoleBinding[];
}

export type Delivery =
  | {
      channel: 'email';
      to: { userId: string; email: string; displayName?: string };
      mode: 'immediate' | 'digest';
    }
  | { channel: 'slack'; url: string };

export interface Routing {
  deliveries: Delivery[];
  /** People a rule chose who have no email address on their user record. */
  unreachable: string[];
}

/** `*` matches any run of characters; everything else literally. Linear, no regex built from config. */
export function matchesNamePattern(pattern: string, name: string): boolean {
  const parts = pattern.split('*');
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (parts.length === 1) return pattern === name;
  if (!name.startsWith(first) || !name.endsWith(last)) return false;
  let at = first.length;
  const end = name.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = name.indexOf(middle, at);
    if (found === -1 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return at <= end;
}

/**
 * The model an event is about, and the state its transition goes to (when it has one). A canary
 * runs only for a production promotion, so `rollout.*` events are bound for production.
 */
function eventScope(event: NotificationEvent): { model?: string; toState?: string } {
  const data = event.data as { request?: { to: string }; to?: string };
  const toState =
    data.request?.to ??
    data.to ??
    (event.type.startsWith('rollout.') || event.type === 'rollback.executed'
      ? 'production'
      : undefined);
  return {
    ...(event.subject.model === undefined ? {} : { model: event.subject.model }),
    ...(toState === undefined ? {} : { toState }),
  };
}

function ruleMatches(rule: RoutingRule, event: NotificationEvent): boolean {
  if (rule.events !== '*' && !rule.events.includes(event.type)) return false;
  const scope = eventScope(event);
  if (rule.models !== undefined) {
    const model = scope.model;
    if (model === undefined || !rule.models.some((p) => matchesNamePattern(p, model))) return false;
  }
  if (rule.toState !== undefined) {
    const states = typeof rule.toState === 'string' ? [rule.toState] : rule.toState;
    if (scope.toState === undefined || !states.includes(scope.toState)) return false;
  }
  return true;
}

function holds(person: Recipient, role: string, model: string | undefined): boolean {
  return person.roles.some((b) => b.role === role && (b.model === undefined || b.model === model));
}

/** Who opened the request an event is about, when it is about one. */
function requesterOf(event: NotificationEvent): string | undefined {
  const data = event.data as { request?: { requestedBy: string } };
  return data.request?.requestedBy;
}

function chosenPeople(rule: RoutingRule, event: NotificationEvent, people: readonly Recipient[]) {
  const model = event.subject.model;
  const roles = [...(rule.roles ?? [])];
  if (rule.awaitingRoles && event.type === 'approval.requested') {
    roles.push(...event.data.awaiting.map((a) => a.role));
  }
  const requester = rule.requester ? requesterOf(event) : undefined;
  return people.filter(
    (person) =>
      (rule.users?.includes(person.userId) ?? false) ||
      person.userId === requester ||
      roles.some((role) => holds(person, role, model)),
  );
}

export function routeEvent(input: {
  rules: readonly RoutingRule[];
  event: NotificationEvent;
  people: readonly Recipient[];
}): Routing {
  const emails = new Map<string, Extract<Delivery, { channel: 'email' }>>();
  const slack = new Set<string>();
  const unreachable = new Set<string>();
  for (const rule of input.rules) {
    if (!ruleMatches(rule, input.event)) continue;
    if (rule.channel === 'slack' && rule.url !== undefined) slack.add(rule.url);
    if (rule.channel !== 'email') continue;
    const mode = rule.digest ? 'digest' : 'immediate';
    for (const person of chosenPeople(rule, input.event, input.people)) {
      if (person.email === undefined) {
        unreachable.add(person.userId);
        continue;
      }
      const known = emails.get(person.userId);
      if (known !== undefined && (known.mode === 'immediate' || mode === 'digest')) continue;
      const to = {
        userId: person.userId,
        email: person.email,
        ...(person.displayName === undefined ? {} : { displayName: person.displayName }),
      };
      emails.set(person.userId, { channel: 'email', to, mode });
    }
  }
  return {
    deliveries: [
      ...emails.values(),
      ...[...slack].map((url) => ({ channel: 'slack' as const, url })),
    ],
    unreachable: [...unreachable].sort(),
  };
}
