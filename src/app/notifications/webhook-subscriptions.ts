/**
 * Webhook subscriptions, administered by global admins: create (the secret is shown once),
 * list, show, update, rotate the secret (the old one keeps signing for an overlap), disable and
 * delete. Every change writes its audit entry in its transaction; secrets never reach the log.
 */
import {
  ClearanceError,
  invalidInput,
  notFound,
  notificationEventTypes,
  type Principal,
} from '../../domain/index.js';
import { assertGlobalRole } from '../identity/identity-rules.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { guarded } from '../shared/authorise.js';
import type {
  NotificationSettings,
  WebhookSecret,
  WebhookSubscription,
} from '../shared/notification-ports.js';
import type { Repositories } from '../shared/ports.js';

/** A subscription as the API shows it: no secret, only when each valid one was made. */
export interface WebhookSubscriptionView extends Omit<WebhookSubscription, 'secrets'> {
  secrets: { createdAt: string; expiresAt?: string }[];
}

export interface WebhookFilterInput {
  url?: string | undefined;
  description?: string | undefined;
  events?: '*' | string[] | undefined;
  models?: string[] | null | undefined;
}

export interface CreateWebhookInput extends WebhookFilterInput {
  url: string;
}

export interface UpdateWebhookInput extends WebhookFilterInput {
  id: string;
  enabled?: boolean | undefined;
}

/** A subscription with the secret that was just made: shown once, never again. */
export interface WebhookWithSecret {
  subscription: WebhookSubscriptionView;
  secret: string;
}

function webhookView(s: WebhookSubscription): WebhookSubscriptionView {
  return {
    ...s,
    secrets: s.secrets.map(({ createdAt, expiresAt }) =>
      expiresAt === undefined ? { createdAt } : { createdAt, expiresAt },
    ),
  };
}

/** The settings, or a refusal saying delivery is not configured in this process. */
function notificationSettings(deps: AppDeps): NotificationSettings {
  if (deps.notifications !== undefined) return deps.notifications;
  throw new ClearanceError('precondition_failed', 'Notifications are not configured here.', {
    problems: [
      {
        message: 'This process was built without notification channels.',
        fix: 'Use `clearance serve` or a CLI command that opens the registry.',
      },
    ],
  });
}

const eventTypes = new Set<string>(notificationEventTypes);
const modelPattern = /^[A-Za-z0-9*][A-Za-z0-9._*-]{0,99}$/u;

function checkedEvents(events: '*' | string[]): '*' | string[] {
  if (events === '*') return events;
  if (events.length === 0) throw invalidInput('events is empty.', 'Name event types, or use "*".');
  const unknown = events.filter((e) => !eventTypes.has(e));
  if (unknown.length > 0) {
    throw invalidInput(
      `Unknown event types: ${unknown.join(', ')}.`,
      `Use "*" or some of: ${notificationEventTypes.join(', ')}.`,
    );
  }
  return [...new Set(events)];
}

function checkedModels(models: string[]): string[] {
  if (models.length === 0)
    throw invalidInput('models is empty.', 'Name models, or leave it out for all models.');
  const bad = models.filter((m) => !modelPattern.test(m));
  if (bad.length > 0) {
    throw invalidInput(
      `Not model names or patterns: ${bad.join(', ')}.`,
      'Use model names; "*" matches any run of characters (credit-*).',
    );
  }
  return [...new Set(models)];
}

async function checkedUrl(settings: NotificationSettings, url: string): Promise<string> {
  const checked = await settings.channels.checkUrl(url);
  if (!checked.ok) {
    throw invalidInput(
      `Webhook URL refused: ${checked.reason}.`,
      'Use a public https URL; private, loopback, link-local and metadata addresses are refused unless notifyAllowAddresses allows their class.',
    );
  }
  return url;
}

function checkedDescription(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.length > 500)
    throw invalidInput('description is longer than 500 characters.', 'Shorten it.');
  return trimmed === '' ? undefined : trimmed;
}

/** Runs an admin change on one subscription: authorised, audited, in one transaction. */
function administer<T>(
  deps: AppDeps,
  input: { principal: Principal; action: string; id: string; what: string },
  work: (tx: Repositories, time: string) => Promise<T>,
): Promise<T> {
  const subject = { type: 'webhook', id: input.id };
  return guarded(deps, { actor: input.principal, action: input.action, subject }, () =>
    deps.store.transaction(async (tx) => {
      assertGlobalRole({ principal: input.principal, roles: ['admin'], action: input.what });
      return work(tx, deps.clock.now().toISOString());
    }),
  );
}

async function existing(tx: Repositories, id: string): Promise<WebhookSubscription> {
  const found = await tx.webhooks.get(id, { forUpdate: true });
  if (found === undefined)
    throw notFound(`Webhook subscription ${id}`, 'List them with `clearance webhook list`.');
  return found;
}

function audited(s: WebhookSubscription) {
  return {
    url: s.url,
    events: s.events,
    ...(s.models === undefined ? {} : { models: s.models }),
    enabled: s.enabled,
  };
}

export async function createWebhook(
  deps: AppDeps,
  principal: Principal,
  input: CreateWebhookInput,
): Promise<WebhookWithSecret> {
  const id = `wh_${deps.ids.next()}`;
  const what = 'create webhook subscriptions';
  return administer(deps, { principal, action: 'webhook.create', id, what }, async (tx, time) => {
    const settings = notificationSettings(deps);
    const secret = settings.channels.newSecret();
    const description = checkedDescription(input.description ?? '');
    const models = input.models ? checkedModels(input.models) : undefined;
    const subscription: WebhookSubscription = {
      id,
      url: await checkedUrl(settings, input.url),
      ...(description === undefined ? {} : { description }),
      events: checkedEvents(input.events ?? '*'),
      ...(models === undefined ? {} : { models }),
      secrets: [{ secret, createdAt: time }],
      enabled: true,
      consecutiveFailures: 0,
      createdAt: time,
      createdBy: principal.id,
      updatedAt: time,
    };
    await tx.webhooks.insert(subscription);
    await tx.audit.append(
      auditRecord({
        actor: principal,
        time,
        action: 'webhook.created',
        subject: { type: 'webhook', id },
        data: audited(subscription),
      }),
    );
    return { subscription: webhookView(subscription), secret };
  });
}

export async function updateWebhook(
  deps: AppDeps,
  principal: Principal,
  input: UpdateWebhookInput,
): Promise<WebhookSubscriptionView> {
  const what = 'change webhook subscriptions';
  const context = { principal, action: 'webhook.update', id: input.id, what };
  return administer(deps, context, async (tx, time) => {
    const before = await existing(tx, input.id);
    const settings = notificationSettings(deps);
    const next: WebhookSubscription = { ...before, updatedAt: time };
    if (input.url !== undefined) next.url = await checkedUrl(settings, input.url);
    if (input.events !== undefined) next.events = checkedEvents(input.events);
    if (input.models === null) delete next.models;
    else if (input.models !== undefined) next.models = checkedModels(input.models);
    if (input.description !== undefined) {
      const description = checkedDescription(input.description);
      if (description === undefined) delete next.description;
      else next.description = description;
    }
    if (input.enabled === true && !before.enabled) {
      next.enabled = true;
      next.consecutiveFailures = 0;
      delete next.disabledAt;
      delete next.disabledReason;
    }
    if (input.enabled === false && before.enabled) disable(next, time, 'Disabled by an admin');
    await tx.webhooks.update(next);
    await tx.audit.append(
      auditRecord({
        actor: principal,
        time,
        action: 'webhook.updated',
        subject: { type: 'webhook', id: input.id },
        data: { before: audited(before), after: audited(next) },
      }),
    );
    return webhookView(next);
  });
}

function disable(s: WebhookSubscription, time: string, reason: string): void {
  s.enabled = false;
  s.disabledAt = time;
  s.disabledReason = reason;
}

export async function disableWebhook(
  deps: AppDeps,
  principal: Principal,
  input: { id: string },
): Promise<WebhookSubscriptionView> {
  return updateWebhook(deps, principal, { id: input.id, enabled: false });
}

/**
 * A new secret; the previous ones keep signing until `secretOverlapSeconds` from now (receivers
 * switch over meanwhile), so at most two are valid at once.
 */
export async function rotateWebhookSecret(
  deps: AppDeps,
  principal: Principal,
  input: { id: string },
): Promise<WebhookWithSecret> {
  const what = 'rotate webhook secrets';
  const context = { principal, action: 'webhook.rotate_secret', id: input.id, what };
  return administer(deps, context, async (tx, time) => {
    const before = await existing(tx, input.id);
    const settings = notificationSettings(deps);
    const secret = settings.channels.newSecret();
    const until = new Date(Date.parse(time) + settings.secretOverlapSeconds * 1000).toISOString();
    const current = validSecrets(before.secrets, time)[0];
    const secrets: WebhookSecret[] = [{ secret, createdAt: time }];
    if (current !== undefined && settings.secretOverlapSeconds > 0) {
      secrets.push({ secret: current.secret, createdAt: current.createdAt, expiresAt: until });
    }
    const next = { ...before, secrets, updatedAt: time };
    await tx.webhooks.update(next);
    await tx.audit.append(
      auditRecord({
        actor: principal,
        time,
        action: 'webhook.secret_rotated',
        subject: { type: 'webhook', id: input.id },
        data: { previousValidUntil: secrets[1]?.expiresAt ?? time },
      }),
    );
    return { subscription: webhookView(next), secret };
  });
}

/** Secrets that still sign at `at`, newest first. */
export function validSecrets(secrets: readonly WebhookSecret[], at: string): WebhookSecret[] {
  return secrets.filter((s) => s.expiresAt === undefined || s.expiresAt > at);
}

export async function deleteWebhook(
  deps: AppDeps,
  principal: Principal,
  input: { id: string },
): Promise<void> {
  const what = 'delete webhook subscriptions';
  const context = { principal, action: 'webhook.delete', id: input.id, what };
  await administer(deps, context, async (tx, time) => {
    const before = await existing(tx, input.id);
    await tx.webhooks.delete(input.id);
    await tx.audit.append(
      auditRecord({
        actor: principal,
        time,
        action: 'webhook.deleted',
        subject: { type: 'webhook', id: input.id },
        data: audited(before),
      }),
    );
  });
}

const readers = ['admin', 'auditor'] as const;

export async function listWebhooks(
  deps: AppDeps,
  principal: Principal,
): Promise<WebhookSubscriptionView[]> {
  const subject = { type: 'webhook', id: '*' };
  return guarded(deps, { actor: principal, action: 'webhook.list', subject }, () =>
    deps.store.read(async (tx) => {
      assertGlobalRole({ principal, roles: readers, action: 'list webhook subscriptions' });
      return (await tx.webhooks.list()).map(webhookView);
    }),
  );
}

export async function getWebhook(
  deps: AppDeps,
  principal: Principal,
  input: { id: string },
): Promise<WebhookSubscriptionView> {
  const subject = { type: 'webhook', id: input.id };
  return guarded(deps, { actor: principal, action: 'webhook.read', subject }, () =>
    deps.store.read(async (tx) => {
      assertGlobalRole({ principal, roles: readers, action: 'read webhook subscriptions' });
      const found = await tx.webhooks.get(input.id);
      if (found === undefined)
        throw notFound(
          `Webhook subscription ${input.id}`,
          'List them with `clearance webhook list`.',
        );
      return webhookView(found);
    }),
  );
}
