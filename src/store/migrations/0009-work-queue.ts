import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * The durable work queue (ADR 009): the transactional outbox, jobs (queued, scheduled and
 * recurring work, claimed under a lease) and the delivery log of outbox events. None is
 * append-only: jobs and deliveries change state, and finished rows are purged after a retention.
 * Event types, job kinds and delivery targets are plain text, so new ones need no migration.
 */
export const workQueue: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    const time = dialect.capabilities.timestampType;
    await db.schema
      .createTable('outbox')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('outbox_by_created_at').on('outbox').column('created_at').execute();
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('run_at', time, (c) => c.notNull())
      .addColumn('scheduled_at', time, (c) => c.notNull())
      .addColumn('every_ms', 'bigint')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('locked_by', 'text')
      .addColumn('locked_until', time)
      .addColumn('last_error', 'text')
      .addColumn('outcome', 'text')
      .addColumn('done_at', time)
      .addColumn('created_at', time, (c) => c.notNull())
      .execute();
    // The database, not the workers, keeps one unfinished job per key across processes.
    await db.schema
      .createIndex('jobs_one_unfinished_per_key')
      .on('jobs')
      .column('key')
      .unique()
      .where(sql.ref('done_at'), 'is', null)
      .execute();
    await db.schema
      .createIndex('jobs_due')
      .on('jobs')
      .columns(['run_at', 'id'])
      .where(sql.ref('done_at'), 'is', null)
      .execute();
    await db.schema.createIndex('jobs_by_key').on('jobs').columns(['key', 'done_at']).execute();
    await db.schema
      .createTable('deliveries')
      .addColumn('event_id', 'text', (c) => c.notNull().references('outbox.id'))
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', time)
      .addColumn('last_status_code', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('first_attempt_at', time)
      .addColumn('last_attempt_at', time)
      .addColumn('last_duration_ms', 'integer')
      .addColumn('delivered_at', time)
      .addColumn('created_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('deliveries_pk', ['event_id', 'target'])
      .execute();
    await db.schema
      .createIndex('deliveries_by_status')
      .on('deliveries')
      .columns(['status', 'next_attempt_at'])
      .execute();
  },
});
