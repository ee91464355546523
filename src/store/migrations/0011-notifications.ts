import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * Notification delivery (issue 10): webhook subscriptions (event and model filters, signing
 * secrets — two valid at once during a rotation — enabled or disabled, consecutive failures) and
 * every delivery attempt, so the delivery log shows each try's status code, error and timing, not
 * only the last. Users' email addresses already live in `users.email` (0001).
 */
export const notifications: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    const time = dialect.capabilities.timestampType;
    await db.schema
      .createTable('webhook_subscriptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('models', 'text')
      .addColumn('secrets', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('disabled_at', time)
      .addColumn('disabled_reason', 'text')
      .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('delivery_attempts')
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('at', time, (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('error', 'text')
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', time)
      .addPrimaryKeyConstraint('delivery_attempts_pk', ['event_id', 'target', 'attempt'])
      .execute();
    // The delivery log of one subscription (`webhook:<id>`) or person, newest first.
    await db.schema
      .createIndex('deliveries_by_target')
      .on('deliveries')
      .columns(['target', 'created_at'])
      .execute();
  },
});
