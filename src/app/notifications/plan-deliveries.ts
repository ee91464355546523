/**
 * Which deliveries an event fans out to: one per enabled webhook subscription whose filters
 * match, one per Slack URL and one per person the routing rules choose (a person once per event;
 * a digest rule's people get it in their daily digest instead). Targets are strings the delivery
 * log keeps: `webhook:<id>`, `slack:<hash of the URL>`, `email:<user id>`, `digest:<user id>`.
 */
import { createHash } from 'node:crypto';
import {
  matchesNamePattern,
  type NotificationEvent,
  type Recipient,
  type RoutingRule,
  routeEvent,
} from '../../domain/index.js';
import type { WebhookSubscription } from '../shared/notification-ports.js';
import type { Repositories } from '../shared/ports.js';

export const targetPrefixes = {
  webhook: 'webhook:',
  slack: 'slack:',
  email: 'email:',
  digest: 'digest:',
} as const;

/** The Slack target of an incoming-webhook URL: the URL is a credential, so only its hash is logged. */
export function slackTarget(url: string): string {
  return `${targetPrefixes.slack}${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
}

function webhookMatches(s: WebhookSubscription, event: NotificationEvent): boolean {
  if (!s.enabled) return false;
  if (s.events !== '*' && !s.events.includes(event.type)) return false;
  if (s.models === undefined) return true;
  const model = event.subject.model;
  return model !== undefined && s.models.some((pattern) => matchesNamePattern(pattern, model));
}

/**
 * Everyone stored whose account is not disabled, with roles and addresses, as routing sees them:
 * a disabled account hears nothing (docs/security.md "Offboarding").
 */
async function recipients(tx: Repositories): Promise<Recipient[]> {
  const users = (await tx.identity.listUsers()).filter((user) => user.disabledAt === undefined);
  const grants = await tx.identity.listRoleGrants();
  return users.map((user) => ({
    userId: user.id,
    ...(user.displayName === undefined ? {} : { displayName: user.displayName }),
    ...(user.email === undefined ? {} : { email: user.email }),
    roles: grants
      .filter((g) => g.userId === user.id)
      .map((g) => (g.model === undefined ? { role: g.role } : { role: g.role, model: g.model })),
  }));
}

export interface PlannedTargets {
  now: string[];
  digest: string[];
  /** People a rule chose who have no email address. */
  unreachable: string[];
}

export async function planTargets(
  tx: Repositories,
  input: { event: NotificationEvent; rules: readonly RoutingRule[] },
): Promise<PlannedTargets> {
  const { event, rules } = input;
  const webhooks = (await tx.webhooks.list()).filter((s) => webhookMatches(s, event));
  const now = webhooks.map((s) => `${targetPrefixes.webhook}${s.id}`);
  const digest: string[] = [];
  const adminsHear = event.type === 'webhook.disabled';
  if (rules.length === 0 && !adminsHear) return { now, digest, unreachable: [] };
  const people = await recipients(tx);
  if (adminsHear) {
    for (const person of people) {
      const admin = person.roles.some((b) => b.role === 'admin' && b.model === undefined);
      if (admin && person.email !== undefined) now.push(`${targetPrefixes.email}${person.userId}`);
    }
  }
  const routing = routeEvent({ rules, event, people });
  for (const delivery of routing.deliveries) {
    if (delivery.channel === 'slack') now.push(slackTarget(delivery.url));
    else if (delivery.mode === 'digest')
      digest.push(`${targetPrefixes.digest}${delivery.to.userId}`);
    else now.push(`${targetPrefixes.email}${delivery.to.userId}`);
  }
  // A person once per event: an immediate email wins over a digest.
  const immediate = new Set(now);
  const digestOnly = digest.filter(
    (t) => !immediate.has(`${targetPrefixes.email}${t.slice(targetPrefixes.digest.length)}`),
  );
  return { now: [...immediate], digest: digestOnly, unreachable: routing.unreachable };
}
