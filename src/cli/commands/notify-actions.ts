/** The code behind notify-commands.ts. */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { DeliveryLogEntry, WebhookSubscriptionView } from '../../app/index.js';
import { notificationsOf, verifyWebhook } from '../../compose.js';
import { loadConfig } from '../../config.js';
import { buildNotificationEvent, invalidInput } from '../../domain/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import type { Io } from '../lazy.js';
import type { CliRegistry } from '../registry/cli-registry.js';
import { type RegistryFlags, withCliRegistry } from '../registry/select-registry.js';

interface Answer {
  json: unknown;
  text: string;
}

type Format = { format: 'text' | 'json' };

const describe = (s: WebhookSubscriptionView): string => {
  const events = s.events === '*' ? 'every event' : s.events.join(', ');
  const models = s.models === undefined ? 'every model' : s.models.join(', ');
  const state = s.enabled ? 'enabled' : `DISABLED (${s.disabledReason ?? 'by an admin'})`;
  return `Webhook ${s.id} → ${s.url}: ${events} for ${models}; ${state}`;
};

const describeDelivery = (d: DeliveryLogEntry): string => {
  const code = d.lastStatusCode === undefined ? '' : ` HTTP ${d.lastStatusCode}`;
  const error = d.lastError === undefined ? '' : ` — ${d.lastError}`;
  return `${d.eventId} ${d.eventType ?? ''} ${d.status} after ${d.attempts} attempt(s)${code}${error}`;
};

const withSecret = (created: { subscription: WebhookSubscriptionView; secret: string }) => ({
  json: created,
  text: `${describe(created.subscription)}\nSigning secret (shown once): ${created.secret}`,
});

const runs = {
  async create(
    r: CliRegistry,
    o: { url: string; events?: string[]; models?: string[]; description?: string },
  ): Promise<Answer> {
    return withSecret(
      await r.createWebhook({
        url: o.url,
        ...(o.events === undefined ? {} : { events: o.events.includes('*') ? '*' : o.events }),
        ...(o.models === undefined ? {} : { models: o.models }),
        ...(o.description === undefined ? {} : { description: o.description }),
      }),
    );
  },
  async list(r: CliRegistry): Promise<Answer> {
    const all = await r.listWebhooks();
    return { json: all, text: all.map(describe).join('\n') || 'No webhook subscriptions.' };
  },
  async show(r: CliRegistry, id: string): Promise<Answer> {
    const s = await r.getWebhook(id);
    return { json: s, text: describe(s) };
  },
  async update(
    r: CliRegistry,
    id: string,
    o: {
      url?: string;
      events?: string[];
      models?: string[];
      allModels?: boolean;
      description?: string;
      enable?: boolean;
    },
  ): Promise<Answer> {
    const s = await r.updateWebhook({
      id,
      ...(o.url === undefined ? {} : { url: o.url }),
      ...(o.events === undefined ? {} : { events: o.events.includes('*') ? '*' : o.events }),
      ...(o.allModels ? { models: null } : o.models === undefined ? {} : { models: o.models }),
      ...(o.description === undefined ? {} : { description: o.description }),
      ...(o.enable ? { enabled: true } : {}),
    });
    return { json: s, text: describe(s) };
  },
  rotateSecret: async (r: CliRegistry, id: string) => withSecret(await r.rotateWebhookSecret(id)),
  async disable(r: CliRegistry, id: string): Promise<Answer> {
    const s = await r.disableWebhook(id);
    return { json: s, text: describe(s) };
  },
  async delete(r: CliRegistry, id: string): Promise<Answer> {
    await r.deleteWebhook(id);
    return { json: { deleted: id }, text: `Deleted webhook ${id}.` };
  },
  async deliveries(r: CliRegistry, id: string, o: { limit?: number }): Promise<Answer> {
    const log = await r.webhookDeliveries({
      id,
      ...(o.limit === undefined ? {} : { limit: o.limit }),
    });
    return { json: log, text: log.map(describeDelivery).join('\n') || 'No deliveries yet.' };
  },
  async redeliver(r: CliRegistry, id: string, eventId: string): Promise<Answer> {
    const d = await r.redeliverWebhook({ id, eventId });
    return { json: d, text: `Event ${eventId} will be sent to webhook ${id} again.` };
  },
};

export type WebhookRunName = keyof typeof runs;

export async function runWebhook(io: Io, name: WebhookRunName, args: unknown[]): Promise<number> {
  const given = args.slice(0, -1);
  const flags = given.at(-1) as RegistryFlags & Format;
  const run = runs[name] as (registry: CliRegistry, ...a: unknown[]) => Promise<Answer>;
  const answer = await withCliRegistry(flags, 'server', (registry) => run(registry, ...given));
  io.stdout.write(flags.format === 'json' ? `${toJson(answer.json)}\n` : `${answer.text}\n`);
  return exitCodes.ok;
}

/** Headers from a JSON object or `name: value` lines (as curl -D or a proxy log shows them). */
function parseHeaders(text: string): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
  }
  return headerLines(trimmed.split(/\r?\n/u));
}

function headerLines(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf(':');
    if (at <= 0) continue;
    headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return headers;
}

const reasons: Record<string, string> = {
  missing_headers: 'webhook-id, webhook-timestamp or webhook-signature is missing',
  invalid_timestamp: 'webhook-timestamp is not a number of seconds',
  timestamp_too_old: 'the timestamp is older than the tolerance (a replay, or a clock off)',
  timestamp_too_new: 'the timestamp is in the future beyond the tolerance',
  no_matching_signature: 'no signature matches: a changed body, another secret or another id',
};

export async function verifyCommand(
  io: Io,
  o: {
    secret: string[];
    body: string;
    headers?: string;
    header: string[];
    tolerance: number;
    now?: string;
  } & Format,
): Promise<number> {
  const body = await readFile(o.body);
  const headers = {
    ...(o.headers === undefined ? {} : parseHeaders(await readFile(o.headers, 'utf8'))),
    ...headerLines(o.header),
  };
  const now = o.now === undefined ? new Date() : new Date(o.now);
  if (Number.isNaN(now.getTime()))
    throw invalidInput(`--now ${o.now} is not a time.`, 'Use RFC 3339.');
  let result: ReturnType<typeof verifyWebhook>;
  try {
    result = verifyWebhook({
      headers,
      body,
      secrets: o.secret,
      now,
      toleranceSeconds: o.tolerance,
    });
  } catch (error) {
    throw invalidInput(
      (error as Error).message,
      'Pass the whsec_… secret the subscription showed.',
    );
  }
  const json = result.ok
    ? { valid: true, id: result.id, timestamp: result.timestamp.toISOString() }
    : { valid: false, reason: result.reason, explanation: reasons[result.reason] };
  const text = result.ok
    ? `valid: webhook ${result.id} signed at ${result.timestamp.toISOString()}`
    : `invalid: ${reasons[result.reason]} (${result.reason})`;
  io.stdout.write(o.format === 'json' ? `${toJson(json)}\n` : `${text}\n`);
  return result.ok ? exitCodes.ok : exitCodes.denied;
}

/** A harmless, clearly-labelled event: a checkpoint of an empty log, from origin notify-test. */
function testEvent() {
  const at = new Date().toISOString();
  return buildNotificationEvent({
    type: 'audit.checkpoint_signed',
    id: `evt_test_${randomUUID()}`,
    occurredAt: at,
    subject: {},
    data: {
      origin: 'clearance/notify-test',
      size: 0,
      rootHash: Buffer.alloc(32).toString('base64'),
      signedAt: at,
    },
  });
}

export async function notifyTestCommand(
  io: Io,
  o: { to: string; secret?: string; config?: string } & Format,
): Promise<number> {
  const config = loadConfig(o.config === undefined ? {} : { file: o.config });
  const notifications = notificationsOf(config);
  const { channels } = notifications.settings;
  const event = testEvent();
  const email = /^[^\s@/]+@[^\s@/]+$/u.test(o.to);
  const secret = email ? undefined : (o.secret ?? channels.newSecret());
  try {
    const result = email
      ? await channels.email({ to: { userId: 'notify-test', email: o.to }, event })
      : await channels.webhook({ url: o.to, event, secrets: [secret ?? ''] });
    const json = {
      to: o.to,
      eventId: event.id,
      ...result,
      ...(secret && !o.secret ? { secret } : {}),
    };
    const code = result.statusCode === undefined ? '' : ` (${result.statusCode})`;
    const why = result.error === undefined ? '' : `: ${result.error}`;
    const signed = secret && !o.secret ? `\nSigned with the new secret ${secret}` : '';
    const text = `${result.outcome === 'delivered' ? 'Delivered' : 'NOT delivered'} test event ${event.id} to ${o.to}${code}${why} in ${result.durationMs} ms${signed}`;
    io.stdout.write(o.format === 'json' ? `${toJson(json)}\n` : `${text}\n`);
    return result.outcome === 'delivered' ? exitCodes.ok : exitCodes.denied;
  } finally {
    notifications.close();
  }
}
