/**
 * A webhook delivery attempt: the event's JSON body, signed as Standard Webhooks defines, POSTed
 * to the subscription's URL. Each retry signs again with its own timestamp and the same
 * `webhook-id`, so a receiver's tolerance window never rejects a late retry and its dedupe on the
 * id still works.
 */
import { type DeliveryAttempt, postJson } from './guarded-post.js';
import type { Resolve, TargetPolicy } from './target-guard.js';
import { signWebhook } from './webhook-signature.js';

export interface WebhookRequest {
  url: string;
  /** The event id. */
  id: string;
  /** The exact body to send (the event as JSON). */
  body: string;
  /** The subscription's valid secrets: each signs, so a rotation never breaks a receiver. */
  secrets: readonly string[];
  policy: TargetPolicy;
  timeoutMs?: number;
  /** Defaults to now. */
  timestamp?: Date;
  resolve?: Resolve;
}

export function sendWebhook(req: WebhookRequest): Promise<DeliveryAttempt> {
  const headers = signWebhook({
    id: req.id,
    body: req.body,
    secrets: req.secrets,
    ...(req.timestamp === undefined ? {} : { timestamp: req.timestamp }),
  });
  return postJson({
    url: req.url,
    body: req.body,
    headers: { ...headers, 'user-agent': 'Clearance-Webhooks/1' },
    policy: req.policy,
    ...(req.timeoutMs === undefined ? {} : { timeoutMs: req.timeoutMs }),
    ...(req.resolve === undefined ? {} : { resolve: req.resolve }),
  });
}
