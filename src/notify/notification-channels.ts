/**
 * The app's NotificationChannels over this module: Standard Webhooks POSTs, Slack incoming
 * webhooks and SMTP email, each attempt classified as delivered, worth a retry, or failed; the
 * address check (SSRF) on every URL, at configuration and at delivery; the retry schedule with
 * its jitter source.
 */
import type { NotificationChannels, SendResult } from '../app/index.js';
import type { EmailRenderOptions } from './email-message.js';
import { renderDigestEmail, renderEventEmail } from './email-message.js';
import type { EmailSender, EmailSendResult } from './email-sender.js';
import type { DeliveryAttempt } from './guarded-post.js';
import { nextAttemptAt, type RetrySchedule } from './retry-schedule.js';
import { renderSlackMessage, sendSlackMessage } from './slack-message.js';
import { checkTarget, type Resolve, type TargetPolicy } from './target-guard.js';
import { sendWebhook } from './webhook-sender.js';
import { generateWebhookSecret } from './webhook-signature.js';

export interface ChannelOptions {
  policy: TargetPolicy;
  /** The server's public URL, for links in Slack and email. */
  publicUrl: string;
  schedule: RetrySchedule;
  /** Without it, email deliveries fail with a message naming the missing settings. */
  email?: { sender: EmailSender; from: string };
  timeoutMs?: number;
  random?: () => number;
  resolve?: Resolve;
}

function result(attempt: DeliveryAttempt): SendResult {
  return {
    outcome: attempt.outcome,
    durationMs: attempt.durationMs,
    ...(attempt.status === undefined ? {} : { statusCode: attempt.status }),
    ...(attempt.error === undefined ? {} : { error: attempt.error }),
    ...(attempt.retryAfterMs === undefined ? {} : { retryAfterMs: attempt.retryAfterMs }),
  };
}

/** SMTP replies: 4xx is transient (try again), 5xx permanent; no reply (network) is transient. */
function emailFailure(error: unknown, durationMs: number): SendResult {
  const code = (error as { responseCode?: unknown }).responseCode;
  const message = error instanceof Error ? error.message : String(error);
  const permanent = typeof code === 'number' && code >= 500;
  return {
    outcome: permanent ? 'failed' : 'retry',
    durationMs,
    error: message,
    ...(typeof code === 'number' ? { statusCode: code } : {}),
  };
}

export function createNotificationChannels(options: ChannelOptions): NotificationChannels {
  const { policy } = options;
  const random = options.random ?? Math.random;
  const timeout = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  const resolve = options.resolve === undefined ? {} : { resolve: options.resolve };
  async function mail(
    send: (sender: EmailSender, render: EmailRenderOptions) => Promise<EmailSendResult>,
  ): Promise<SendResult> {
    if (options.email === undefined) {
      return {
        outcome: 'failed',
        durationMs: 0,
        error: 'No SMTP server is configured (smtpUrl, emailFrom)',
      };
    }
    const started = performance.now();
    const render = { from: options.email.from, publicUrl: options.publicUrl };
    try {
      const sent = await send(options.email.sender, render);
      const durationMs = Math.round(performance.now() - started);
      if (sent.rejected.length > 0) {
        return { outcome: 'failed', durationMs, error: `Refused: ${sent.rejected.join(', ')}` };
      }
      return { outcome: 'delivered', durationMs };
    } catch (error) {
      return emailFailure(error, Math.round(performance.now() - started));
    }
  }
  return {
    async checkUrl(url) {
      const checked = await checkTarget(url, policy, options.resolve);
      return checked.ok ? { ok: true } : checked;
    },
    newSecret: generateWebhookSecret,
    async webhook({ url, event, secrets }) {
      if (secrets.length === 0) {
        return { outcome: 'failed', durationMs: 0, error: 'The subscription has no valid secret' };
      }
      const body = JSON.stringify(event);
      return result(
        await sendWebhook({ url, id: event.id, body, secrets, policy, ...timeout, ...resolve }),
      );
    },
    async slack({ url, event }) {
      const message = renderSlackMessage(event, { publicUrl: options.publicUrl });
      return result(await sendSlackMessage({ url, message, policy, ...timeout }));
    },
    email: ({ to, event }) =>
      mail((sender, render) => sender.send(renderEventEmail(event, to, render))),
    digest: ({ to, day, events }) =>
      mail((sender, render) =>
        sender.send(renderDigestEmail({ recipient: to, day, events }, render)),
      ),
    nextAttemptAt: (input) => nextAttemptAt({ ...input, random, schedule: options.schedule }),
  };
}
