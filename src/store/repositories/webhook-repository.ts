import type { Selectable } from 'kysely';
import type {
  WebhookSecret,
  WebhookSubscription,
  WebhookSubscriptionRepository,
} from '../../app/shared/notification-ports.js';
import {
  conflictOnDuplicate,
  fromJson,
  int,
  iso,
  lockedIfAsked,
  opt,
  optIso,
  type RepositoryContext,
  toJson,
} from '../columns.js';
import type { WebhookSubscriptionsTable } from '../schema.js';

/** Webhook subscriptions; filters and secrets are JSON columns (read whole, never queried). */
export function webhookRepository(context: RepositoryContext): WebhookSubscriptionRepository {
  const { db } = context;
  return {
    async insert(subscription) {
      await conflictOnDuplicate(
        context,
        () => db.insertInto('webhook_subscriptions').values(toRow(subscription)).execute(),
        `Webhook subscription ${subscription.id} already exists`,
      );
    },
    async get(id, options) {
      const query = db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id);
      const row = await lockedIfAsked(context, options, query).executeTakeFirst();
      return row === undefined ? undefined : toSubscription(row);
    },
    async list() {
      const rows = await db
        .selectFrom('webhook_subscriptions')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toSubscription);
    },
    async update(subscription) {
      const { id, created_at: _c, created_by: _b, ...changes } = toRow(subscription);
      const result = await db
        .updateTable('webhook_subscriptions')
        .set(changes)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async delete(id) {
      const result = await db
        .deleteFrom('webhook_subscriptions')
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

function toRow(s: WebhookSubscription) {
  return {
    id: s.id,
    url: s.url,
    description: s.description ?? null,
    events: s.events === '*' ? '*' : toJson(s.events),
    models: s.models === undefined ? null : toJson(s.models),
    secrets: toJson(s.secrets),
    enabled: s.enabled ? 1 : 0,
    disabled_at: s.disabledAt ?? null,
    disabled_reason: s.disabledReason ?? null,
    consecutive_failures: s.consecutiveFailures,
    created_at: s.createdAt,
    created_by: s.createdBy,
    updated_at: s.updatedAt,
  };
}

function toSubscription(row: Selectable<WebhookSubscriptionsTable>): WebhookSubscription {
  return {
    id: row.id,
    url: row.url,
    ...opt('description', row.description),
    events: row.events === '*' ? '*' : fromJson<string[]>(row.events),
    ...(row.models === null ? {} : { models: fromJson<string[]>(row.models) }),
    secrets: fromJson<WebhookSecret[]>(row.secrets),
    enabled: int(row.enabled) === 1,
    ...optIso('disabledAt', row.disabled_at),
    ...opt('disabledReason', row.disabled_reason),
    consecutiveFailures: int(row.consecutive_failures),
    createdAt: iso(row.created_at),
    createdBy: row.created_by,
    updatedAt: iso(row.updated_at),
  };
}
