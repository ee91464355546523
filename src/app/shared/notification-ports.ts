/**
 * Ports of notification delivery: webhook subscriptions as the store keeps them, and the
 * channels (webhook, Slack, email) as the app sends through them. `notify/` implements the
 * channels; compose.ts wires them with the configuration's routing rules and target policy.
 */
import type { NotificationEvent, RoutingRule } from '../../domain/index.js';

/** A signing secret of a subscription; during a rotation the old one stays valid until `expiresAt`. */
export interface WebhookSecret {
  /** `whsec_…` (Standard Webhooks). Stored as is: signing needs it. */
  secret: string;
  createdAt: string;
  expiresAt?: string;
}

export interface WebhookSubscription {
  /** `wh_…` */
  id: string;
  url: string;
  description?: string;
  /** Event types, or `*` for every type. */
  events: '*' | string[];
  /** Model name patterns (`*` matches any run of characters); absent: every model. */
  models?: string[];
  /** Newest first; every one not expired signs each delivery. */
  secrets: WebhookSecret[];
  enabled: boolean;
  disabledAt?: string;
  disabledReason?: string;
  /** Deliveries that failed for good since the last one that arrived. */
  consecutiveFailures: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export interface WebhookSubscriptionRepository {
  /** An id already used is a conflict. */
  insert(subscription: WebhookSubscription): Promise<void>;
  /** `forUpdate` locks the row until the transaction ends (failure counting across servers). */
  get(id: string, options?: { forUpdate?: boolean }): Promise<WebhookSubscription | undefined>;
  /** Every subscription, oldest first. */
  list(): Promise<WebhookSubscription[]>;
  /** Replaces the stored subscription with the same id; false when there is none. */
  update(subscription: WebhookSubscription): Promise<boolean>;
  delete(id: string): Promise<boolean>;
}

/** One attempt's result, as the channels report it. */
export interface SendResult {
  /** `retry`: worth trying again (5xx, 408, 429, network); `failed`: the same answer next time. */
  outcome: 'delivered' | 'retry' | 'failed';
  statusCode?: number;
  error?: string;
  durationMs: number;
  retryAfterMs?: number;
}

export interface EmailAddressee {
  userId: string;
  email: string;
  displayName?: string;
}

/** How events leave the service; every method reports failures as results, never throws. */
export interface NotificationChannels {
  /** Whether a webhook or Slack URL may be a target (scheme, credentials, address classes). */
  checkUrl(
    url: string,
  ): Promise<{ ok: true } | { ok: false; reason: string; unresolved?: true | undefined }>;
  /** A new `whsec_` secret. */
  newSecret(): string;
  webhook(input: {
    url: string;
    event: NotificationEvent;
    secrets: readonly string[];
  }): Promise<SendResult>;
  slack(input: { url: string; event: NotificationEvent }): Promise<SendResult>;
  email(input: { to: EmailAddressee; event: NotificationEvent }): Promise<SendResult>;
  digest(input: {
    to: EmailAddressee;
    day: string;
    events: readonly NotificationEvent[];
  }): Promise<SendResult>;
  /** The retry schedule: when to try again after `failedAttempts`, or undefined past the deadline. */
  nextAttemptAt(input: {
    failedAttempts: number;
    firstAttemptAt: Date;
    failedAt: Date;
    retryAfterMs?: number;
  }): Date | undefined;
}

/** What the notification use cases need besides AppDeps' store, clock and ids. */
export interface NotificationSettings {
  channels: NotificationChannels;
  /** Routing rules from the server configuration (validated at start). */
  rules: readonly RoutingRule[];
  /** Consecutive failed deliveries after which a subscription is disabled (0 = never). */
  disableAfterFailures: number;
  /** How long the old secret keeps signing after a rotation, in seconds. */
  secretOverlapSeconds: number;
}
