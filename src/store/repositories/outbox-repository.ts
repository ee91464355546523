import { randomUUID } from 'node:crypto';
import { type Insertable, sql } from 'kysely';
import type {
  JobRepository,
  JobSpec,
  OutboxRepository,
} from '../../app/shared/work-queue-ports.js';
import { conflictOnDuplicate, fromJson, iso, type RepositoryContext, toJson } from '../columns.js';
import { preparedQuery } from '../prepared-query.js';
import type { OutboxTable } from '../schema.js';
import { jobRow, markJobDue } from './job-repository.js';

// Compiled once (ADR 033): every notifying change writes one or more events.
const insertEvent = preparedQuery((db, p: Insertable<OutboxTable>) =>
  db.insertInto('outbox').values(p),
);

/** Event ids per DELETE statement of the purge. */
const purgeSlice = 1_000;

/**
 * The transactional outbox: an event is a row written by the transaction that made the change it
 * reports, together with the job that dispatches it, so a committed change always has its event
 * and a rolled-back one never does. Delivery state lives in `deliveries`, one row per target.
 */
export function outboxRepository(
  context: RepositoryContext,
  jobs: JobRepository,
): OutboxRepository {
  const { db } = context;
  return {
    async append(event) {
      const row = {
        id: event.id,
        type: event.type,
        payload: toJson(event.payload),
        created_at: event.createdAt,
      };
      const dispatch: JobSpec = {
        kind: 'outbox.dispatch',
        key: `outbox.dispatch:${event.id}`,
        payload: { eventId: event.id },
        runAt: event.createdAt,
      };
      const duplicate = `Outbox event ${event.id} is already recorded`;
      const at = event.createdAt;
      // One statement where that saves a round trip (ADR 042); the job as `schedule` inserts it.
      const folded = await conflictOnDuplicate(
        context,
        () =>
          context.dialect.insertEventWithJob(db, {
            event: row,
            job: jobRow(randomUUID(), dispatch, at),
          }),
        duplicate,
      );
      if (folded === true) return markJobDue(context, dispatch.runAt, at);
      if (folded === undefined)
        await conflictOnDuplicate(context, () => insertEvent(db, row), duplicate);
      // Written one by one, or the key had an unfinished job: `schedule` settles that as before.
      await jobs.schedule(dispatch, { at });
    },
    async get(id) {
      const row = await db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined
        ? undefined
        : {
            id: row.id,
            type: row.type,
            payload: fromJson(row.payload),
            createdAt: iso(row.created_at),
          };
    },
    async purgeSettledBefore(at, limit) {
      // Settled: no delivery pending and the dispatch job finished (or never planned any).
      const settled = db
        .selectFrom('outbox')
        .select('id')
        .where('created_at', '<', at)
        .where(
          sql<boolean>`not exists (select 1 from deliveries d
            where d.event_id = outbox.id and d.status = 'pending')`,
        )
        .where(
          sql<boolean>`not exists (select 1 from jobs j
            where j.done_at is null and j.key = 'outbox.dispatch:' || outbox.id)`,
        )
        .orderBy('created_at')
        .limit(limit);
      const ids = (await settled.execute()).map((row) => row.id);
      // In slices: one IN list of a big backlog passes SQLite's limit of bound variables (32 766)
      // and, further on, PostgreSQL's 65 535 parameters. The ids are read once, so every slice
      // deletes exactly what the settled query found, whatever arrives meanwhile.
      let deleted = 0;
      for (let i = 0; i < ids.length; i += purgeSlice) {
        const slice = ids.slice(i, i + purgeSlice);
        await db.deleteFrom('delivery_attempts').where('event_id', 'in', slice).execute();
        await db.deleteFrom('deliveries').where('event_id', 'in', slice).execute();
        const result = await db.deleteFrom('outbox').where('id', 'in', slice).executeTakeFirst();
        deleted += Number(result.numDeletedRows);
      }
      return deleted;
    },
  };
}
