/** Webhook subscriptions and their delivery log, as the edges call them. */
import type { Principal } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import type { Delivery } from '../shared/work-queue-ports.js';
import { type DeliveryLogEntry, listWebhookDeliveries, redeliverWebhook } from './delivery-log.js';
import {
  type CreateWebhookInput,
  createWebhook,
  deleteWebhook,
  disableWebhook,
  getWebhook,
  listWebhooks,
  rotateWebhookSecret,
  type UpdateWebhookInput,
  updateWebhook,
  type WebhookSubscriptionView,
  type WebhookWithSecret,
} from './webhook-subscriptions.js';

export interface NotificationUseCases {
  /** The secret is in the result once and never again. */
  createWebhook(principal: Principal, input: CreateWebhookInput): Promise<WebhookWithSecret>;
  listWebhooks(principal: Principal): Promise<WebhookSubscriptionView[]>;
  getWebhook(principal: Principal, input: { id: string }): Promise<WebhookSubscriptionView>;
  updateWebhook(principal: Principal, input: UpdateWebhookInput): Promise<WebhookSubscriptionView>;
  disableWebhook(principal: Principal, input: { id: string }): Promise<WebhookSubscriptionView>;
  rotateWebhookSecret(principal: Principal, input: { id: string }): Promise<WebhookWithSecret>;
  deleteWebhook(principal: Principal, input: { id: string }): Promise<void>;
  listWebhookDeliveries(
    principal: Principal,
    input: { id: string; limit?: number | undefined },
  ): Promise<DeliveryLogEntry[]>;
  redeliverWebhook(principal: Principal, input: { id: string; eventId: string }): Promise<Delivery>;
}

export function bindNotificationUseCases(deps: AppDeps): NotificationUseCases {
  return {
    createWebhook: (principal, input) => createWebhook(deps, principal, input),
    listWebhooks: (principal) => listWebhooks(deps, principal),
    getWebhook: (principal, input) => getWebhook(deps, principal, input),
    updateWebhook: (principal, input) => updateWebhook(deps, principal, input),
    disableWebhook: (principal, input) => disableWebhook(deps, principal, input),
    rotateWebhookSecret: (principal, input) => rotateWebhookSecret(deps, principal, input),
    deleteWebhook: (principal, input) => deleteWebhook(deps, principal, input),
    listWebhookDeliveries: (principal, input) => listWebhookDeliveries(deps, principal, input),
    redeliverWebhook: (principal, input) => redeliverWebhook(deps, principal, input),
  };
}
