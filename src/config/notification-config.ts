import { z } from 'zod';
import { type Problem, routingRuleSchema } from '../domain/index.js';
import { configSection, type SectionValues } from './config-section.js';

/** A JSON list in an environment variable or flag; as given when it is already a value. */
const jsonText = (value: unknown) => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
};

/** Routing rules, email, the address check, retries and webhooks. */
export const notificationConfig = configSection({
  schema: {
    notificationRules: z
      .preprocess(jsonText, z.array(routingRuleSchema))
      .describe(
        'Routing rules: who hears what by email and Slack (docs/reference/notifications.md#routing-rules); in the environment, a JSON list. Checked at start: a Slack URL must pass the address check, email rules need `smtpUrl` and `emailFrom`.',
      ),
    smtpUrl: z
      .string()
      .refine(
        (v) => v === '' || /^smtps?:\/\/[^/]+/u.test(v),
        'must be smtp://host:port or smtps://',
      )
      .describe(
        'SMTP server for notification email: `smtp://[user:pass@]host:port` (STARTTLS when offered) or `smtps://` (TLS); empty = no email.',
      ),
    emailFrom: z
      .string()
      .describe('Sender of notification email, e.g. `Clearance <clearance@example.com>`.'),
    notifyAllowAddresses: z
      .string()
      .describe(
        'Address classes webhook and Slack targets may resolve to besides public ones (comma-separated: `loopback`, `private`, `uniqueLocal`, `linkLocal`, …); empty = public addresses only. Checked when a target is configured and at every delivery.',
      ),
    notifyTimeoutSeconds: z.coerce
      .number()
      .positive()
      .max(120)
      .describe('Time one webhook or Slack attempt may take, connection to answer.'),
    notifyRetryBaseSeconds: z.coerce
      .number()
      .positive()
      .describe(
        'First retry delay ceiling: after the n-th failed attempt the next waits a uniform random time below min(`notifyRetryMaxSeconds`, base × 2^(n−1)), at least 1 s.',
      ),
    notifyRetryMaxSeconds: z.coerce
      .number()
      .positive()
      .describe('Largest wait between two attempts of one delivery.'),
    notifyRetryDeadlineSeconds: z.coerce
      .number()
      .positive()
      .describe(
        'A delivery gives up when its next attempt would fall this long after its first attempt.',
      ),
    webhookDisableAfterFailures: z.coerce
      .number()
      .int()
      .min(0)
      .describe(
        'A webhook subscription whose deliveries fail for good this many times in a row is disabled, with an audit entry (0 = never).',
      ),
    webhookSecretOverlapSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .describe('After a secret rotation, how long the previous secret keeps signing deliveries.'),
    notifyDigestIntervalSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .describe(
        'How often digest emails (rules with `digest: true`) are sent, as the recurring job `notify.digest` (0 = never).',
      ),
  },
  defaults: {
    notificationRules: [],
    smtpUrl: '',
    emailFrom: '',
    notifyAllowAddresses: '',
    notifyTimeoutSeconds: 10,
    notifyRetryBaseSeconds: 10,
    notifyRetryMaxSeconds: 3600,
    notifyRetryDeadlineSeconds: 24 * 3600,
    webhookDisableAfterFailures: 5,
    webhookSecretOverlapSeconds: 24 * 3600,
    notifyDigestIntervalSeconds: 24 * 3600,
  },
  environment: {
    notificationRules: ['CLEARANCE_NOTIFICATION_RULES'],
    smtpUrl: ['CLEARANCE_SMTP_URL'],
    emailFrom: ['CLEARANCE_EMAIL_FROM'],
    notifyAllowAddresses: ['CLEARANCE_NOTIFY_ALLOW_ADDRESSES'],
    notifyTimeoutSeconds: ['CLEARANCE_NOTIFY_TIMEOUT_SECONDS'],
    notifyRetryBaseSeconds: ['CLEARANCE_NOTIFY_RETRY_BASE_SECONDS'],
    notifyRetryMaxSeconds: ['CLEARANCE_NOTIFY_RETRY_MAX_SECONDS'],
    notifyRetryDeadlineSeconds: ['CLEARANCE_NOTIFY_RETRY_DEADLINE_SECONDS'],
    webhookDisableAfterFailures: ['CLEARANCE_WEBHOOK_DISABLE_AFTER_FAILURES'],
    webhookSecretOverlapSeconds: ['CLEARANCE_WEBHOOK_SECRET_OVERLAP_SECONDS'],
    notifyDigestIntervalSeconds: ['CLEARANCE_NOTIFY_DIGEST_INTERVAL_SECONDS'],
  },
});

/** Address classes `notifyAllowAddresses` may name (ipaddr.js ranges, `metadata`, `ipv4Compatible`). */
const addressClasses = new Set([
  'loopback',
  'private',
  'uniqueLocal',
  'linkLocal',
  'carrierGradeNat',
  'unspecified',
  'multicast',
  'reserved',
  'broadcast',
  'benchmarking',
  'amt',
  'as112',
  'deprecated',
  'orchid2',
  'droneRemoteIdProtocolEntityTags',
  'teredo',
  '6to4',
  'rfc6145',
  'rfc6052',
  'ipv4Mapped',
  'discard',
  'metadata',
  'ipv4Compatible',
]);

/** Notification settings that each key alone cannot check. */
export function notificationProblems(
  config: SectionValues<typeof notificationConfig.schema>,
): Problem[] {
  const problems: Problem[] = [];
  const emailRules = config.notificationRules.filter((r) => r.channel === 'email');
  if (emailRules.length > 0 && (config.smtpUrl === '' || config.emailFrom === '')) {
    problems.push({
      message: `notificationRules: ${emailRules.length} email rule(s) but smtpUrl or emailFrom is empty.`,
      fix: 'Set smtpUrl (CLEARANCE_SMTP_URL) and emailFrom (CLEARANCE_EMAIL_FROM), or remove the email rules.',
    });
  }
  for (const name of allowedAddressClasses(config)) {
    if (!addressClasses.has(name)) {
      problems.push({
        message: `notifyAllowAddresses: "${name}" is not an address class.`,
        fix: `Use some of: ${[...addressClasses].join(', ')}.`,
      });
    }
  }
  return problems;
}

/** `notifyAllowAddresses` as a list. */
export function allowedAddressClasses(config: { readonly notifyAllowAddresses: string }): string[] {
  return config.notifyAllowAddresses
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
