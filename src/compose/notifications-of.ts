import type { NotificationSettings } from '../app/index.js';
import { allowedAddressClasses, type Config } from '../config.js';
import { ClearanceError } from '../domain/index.js';
import {
  type AddressClass,
  createEmailSender,
  createNotificationChannels,
  type SmtpConfig,
} from '../notify/index.js';
import type { Registry } from './registry.js';

/** `smtp://user:pass@host:port` or `smtps://…` as nodemailer's settings; undefined when empty. */
export function smtpConfigOf(url: string, timeoutMs: number): SmtpConfig | undefined {
  if (url === '') return undefined;
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  return {
    host: parsed.hostname.replace(/^\[|\]$/gu, ''),
    port: parsed.port === '' ? (secure ? 465 : 587) : Number(parsed.port),
    secure,
    timeoutMs,
    ...(parsed.username === ''
      ? {}
      : {
          auth: {
            user: decodeURIComponent(parsed.username),
            pass: decodeURIComponent(parsed.password),
          },
        }),
  };
}

/** Webhook, Slack and email channels with the routing rules and limits of Config. */
export function notificationsOf(config: Config): {
  settings: NotificationSettings;
  close(): void;
} {
  const timeoutMs = config.notifyTimeoutSeconds * 1000;
  const smtp = smtpConfigOf(config.smtpUrl, timeoutMs);
  const sender = smtp === undefined ? undefined : createEmailSender(smtp);
  const channels = createNotificationChannels({
    policy: { allow: allowedAddressClasses(config) as AddressClass[] },
    publicUrl: config.publicUrl,
    schedule: {
      baseDelayMs: config.notifyRetryBaseSeconds * 1000,
      maxDelayMs: config.notifyRetryMaxSeconds * 1000,
      minDelayMs: Math.min(1000, config.notifyRetryBaseSeconds * 1000),
      deadlineMs: config.notifyRetryDeadlineSeconds * 1000,
    },
    timeoutMs,
    ...(sender === undefined ? {} : { email: { sender, from: config.emailFrom } }),
  });
  return {
    settings: {
      channels,
      rules: config.notificationRules,
      disableAfterFailures: config.webhookDisableAfterFailures,
      secretOverlapSeconds: config.webhookSecretOverlapSeconds,
    },
    close: () => sender?.close(),
  };
}

/**
 * The Slack URLs of the routing rules against the address check, at start: a rule that could
 * never deliver stops the server with the rule named, rather than failing every event later. A
 * name that does not resolve now (DNS briefly down) does not stop it: each delivery checks again.
 */
export async function assertNotificationTargets(registry: Registry): Promise<void> {
  const problems = [];
  for (const [index, rule] of registry.config.notificationRules.entries()) {
    if (rule.url === undefined) continue;
    const checked = await registry.deps.notifications.channels.checkUrl(rule.url);
    if (!checked.ok && checked.unresolved !== true) {
      problems.push({
        message: `notificationRules[${index}]${rule.name ? ` (${rule.name})` : ''}: ${checked.reason}.`,
        fix: 'Use a public https Slack URL, or allow its address class with notifyAllowAddresses.',
      });
    }
  }
  if (problems.length > 0) {
    throw new ClearanceError('invalid_input', 'The configuration is invalid.', { problems });
  }
}
