import { type Selectable, sql } from 'kysely';
import type {
  Delivery,
  DeliveryRepository,
  DeliveryStatus,
  DeliveryTarget,
  JobRepository,
  LoggedDeliveryAttempt,
} from '../../app/shared/work-queue-ports.js';
import { int, iso, opt, optIso, type RepositoryContext } from '../columns.js';
import type { DeliveriesTable } from '../schema.js';

/**
 * The delivery log: one row per outbox event and target. Sending is a job (`outbox.deliver`,
 * one per row), so deliveries are claimed once across servers by the same queue as every other
 * job; this table records what happened for the admin API, redelivery and metrics.
 */
export function deliveryRepository(
  context: RepositoryContext,
  jobs: JobRepository,
): DeliveryRepository {
  const { db } = context;
  // A redelivery moves a retry that waits (`replace`) so it is due now; planning keeps.
  const deliver = (
    eventId: string,
    target: DeliveryTarget,
    at: string,
    onExisting: 'keep' | 'replace' = 'keep',
  ) =>
    jobs.schedule(
      {
        kind: 'outbox.deliver',
        key: `outbox.deliver:${eventId}:${target}`,
        payload: { eventId, target },
        runAt: at,
      },
      { at, onExisting },
    );
  const row = (eventId: string, target: DeliveryTarget) =>
    db.updateTable('deliveries').where('event_id', '=', eventId).where('target', '=', target);
  return {
    async plan(eventId, targets, at, options) {
      let planned = 0;
      for (const target of new Set(targets)) {
        const result = await db
          .insertInto('deliveries')
          .values({
            event_id: eventId,
            target,
            status: 'pending',
            next_attempt_at: at,
            created_at: at,
          })
          .onConflict((oc) => oc.columns(['event_id', 'target']).doNothing())
          .executeTakeFirst();
        if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) continue;
        if (options?.job !== false) await deliver(eventId, target, at);
        planned += 1;
      }
      return planned;
    },
    async recordAttempt(attempt) {
      const status: DeliveryStatus = attempt.outcome === 'retrying' ? 'pending' : attempt.outcome;
      const current = await db
        .selectFrom('deliveries')
        .select('attempts')
        .where('event_id', '=', attempt.eventId)
        .where('target', '=', attempt.target)
        .executeTakeFirst();
      if (current === undefined) return;
      await db
        .insertInto('delivery_attempts')
        .values({
          event_id: attempt.eventId,
          target: attempt.target,
          attempt: int(current.attempts) + 1,
          at: attempt.at,
          outcome: attempt.outcome,
          status_code: attempt.statusCode ?? null,
          error: attempt.error ?? null,
          duration_ms: Math.round(attempt.durationMs),
          next_attempt_at: attempt.outcome === 'retrying' ? (attempt.nextAttemptAt ?? null) : null,
        })
        .execute();
      await row(attempt.eventId, attempt.target)
        .set({
          status,
          attempts: sql<number>`attempts + 1`,
          next_attempt_at: attempt.outcome === 'retrying' ? (attempt.nextAttemptAt ?? null) : null,
          last_status_code: attempt.statusCode ?? null,
          last_error: attempt.error ?? null,
          first_attempt_at: sql<string>`coalesce(first_attempt_at, ${attempt.at})`,
          last_attempt_at: attempt.at,
          last_duration_ms: Math.round(attempt.durationMs),
          delivered_at: attempt.outcome === 'delivered' ? attempt.at : null,
        })
        .execute();
    },
    async redeliver(eventId, target, at) {
      const result = await row(eventId, target)
        .set({ status: 'pending', next_attempt_at: at, first_attempt_at: null })
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await deliver(eventId, target, at, 'replace');
      return true;
    },
    async list(eventId) {
      const rows = await db
        .selectFrom('deliveries')
        .selectAll()
        .where('event_id', '=', eventId)
        .orderBy('target')
        .execute();
      return rows.map(toDelivery);
    },
    async get(eventId, target) {
      const found = await db
        .selectFrom('deliveries')
        .selectAll()
        .where('event_id', '=', eventId)
        .where('target', '=', target)
        .executeTakeFirst();
      return found === undefined ? undefined : toDelivery(found);
    },
    async listByTarget(target, limit) {
      const rows = await db
        .selectFrom('deliveries')
        .selectAll()
        .where('target', '=', target)
        .orderBy('created_at', 'desc')
        .orderBy('event_id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toDelivery);
    },
    async listPending(prefix) {
      const rows = await db
        .selectFrom('deliveries')
        .selectAll()
        .where('status', '=', 'pending')
        .where(sql<boolean>`substr(target, 1, ${prefix.length}) = ${prefix}`)
        .orderBy('created_at')
        .orderBy('event_id')
        .execute();
      return rows.map(toDelivery);
    },
    async attempts(eventId, target) {
      const rows = await db
        .selectFrom('delivery_attempts')
        .selectAll()
        .where('event_id', '=', eventId)
        .where('target', '=', target)
        .orderBy('attempt')
        .execute();
      return rows.map(
        (r): LoggedDeliveryAttempt => ({
          attempt: r.attempt,
          at: iso(r.at),
          outcome: r.outcome as LoggedDeliveryAttempt['outcome'],
          ...opt('statusCode', r.status_code),
          ...opt('error', r.error),
          durationMs: r.duration_ms,
          ...optIso('nextAttemptAt', r.next_attempt_at),
        }),
      );
    },
  };
}

function toDelivery(row: Selectable<DeliveriesTable>): Delivery {
  return {
    eventId: row.event_id,
    target: row.target,
    status: row.status as DeliveryStatus,
    attempts: int(row.attempts),
    ...optIso('nextAttemptAt', row.next_attempt_at),
    ...opt('lastStatusCode', row.last_status_code),
    ...opt('lastError', row.last_error),
    ...optIso('firstAttemptAt', row.first_attempt_at),
    ...optIso('lastAttemptAt', row.last_attempt_at),
    ...opt('lastDurationMs', row.last_duration_ms),
    ...optIso('deliveredAt', row.delivered_at),
    createdAt: iso(row.created_at),
  };
}
