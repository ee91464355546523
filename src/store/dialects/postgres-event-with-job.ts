/**
 * An outbox event and its dispatch job in one statement on PostgreSQL (ADR 042): every notifying
 * change writes both, and apart they were two round trips. The event's insert is a data-modifying
 * WITH that the job's insert does not read (PostgreSQL runs it all the same); the job's RETURNING
 * tells an insert from a key that already has an unfinished job, as `jobs.schedule` reads it.
 */
import type { Insertable } from 'kysely';
import { preparedQuery } from '../prepared-query.js';
import type { JobsTable, OutboxTable } from '../schema.js';
import type { StoreDialect } from './store-dialect.js';

/** The job's columns as they are, the event's prefixed (both tables have `id` and `payload`). */
type Params = Insertable<JobsTable> & {
  event_id: Insertable<OutboxTable>['id'];
  event_type: Insertable<OutboxTable>['type'];
  event_payload: Insertable<OutboxTable>['payload'];
  event_created_at: Insertable<OutboxTable>['created_at'];
};

// Compiled once, parsed once per connection (ADR 033).
const insertEventAndJob = preparedQuery((db, p: Params) => {
  const { event_id, event_type, event_payload, event_created_at, ...job } = p;
  return db
    .with('e', (w) =>
      w
        .insertInto('outbox')
        .values({
          id: event_id,
          type: event_type,
          payload: event_payload,
          created_at: event_created_at,
        })
        .returning('id'),
    )
    .insertInto('jobs')
    .values(job)
    .onConflict((oc) => oc.column('key').where('done_at', 'is', null).doNothing())
    .returning('id');
});

export const insertEventWithJobPostgres: StoreDialect['insertEventWithJob'] = async (
  db,
  { event, job },
) => {
  const inserted = await insertEventAndJob(db, {
    ...job,
    event_id: event.id,
    event_type: event.type,
    event_payload: event.payload,
    event_created_at: event.created_at,
  });
  return inserted.length === 1;
};
