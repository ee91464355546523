import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/** The registry, the audit log and access control. Never edit: add a migration instead. */
export const registrySchema: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    const time = dialect.capabilities.timestampType;
    const schema = db.schema;
    await schema
      .createTable('policies')
      .addColumn('digest', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('registered_at', time, (c) => c.notNull())
      .addColumn('registered_by', 'text', (c) => c.notNull())
      .execute();
    await schema
      .createTable('models')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('owner_team', 'text', (c) => c.notNull())
      .addColumn('risk_tier', 'text', (c) => c.notNull())
      .addColumn('policy_digest', 'text', (c) => c.notNull().references('policies.digest'))
      .addColumn('description', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .execute();
    await schema
      .createTable('versions')
      .addColumn('model', 'text', (c) => c.notNull().references('models.name'))
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('artifact_uri', 'text', (c) => c.notNull())
      .addColumn('artifact_digest', 'text', (c) => c.notNull())
      .addColumn('lineage', 'text', (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('versions_pk', ['model', 'version'])
      .execute();
    await schema
      .createTable('version_states')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text')
      .addColumn('since', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('version_states_pk', ['model', 'version'])
      .addForeignKeyConstraint('version_states_version_fk', ['model', 'version'], 'versions', [
        'model',
        'version',
      ])
      .execute();
    // The database, not the service, guarantees one production version per model.
    await schema
      .createIndex('version_states_one_production')
      .on('version_states')
      .column('model')
      .unique()
      .where(sql.ref('state'), '=', 'production')
      .execute();
    await schema
      .createIndex('version_states_by_state')
      .on('version_states')
      .columns(['model', 'state'])
      .execute();
    await schema
      .createTable('evidence')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('media_type', 'text', (c) => c.notNull())
      .addColumn('attached_at', time, (c) => c.notNull())
      .addColumn('attached_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('evidence_pk', ['model', 'version', 'path'])
      .addForeignKeyConstraint('evidence_version_fk', ['model', 'version'], 'versions', [
        'model',
        'version',
      ])
      .execute();
    await schema
      .createTable('transition_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('from_state', 'text', (c) => c.notNull())
      .addColumn('to_state', 'text', (c) => c.notNull())
      .addColumn('change_type', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('ticket', 'text')
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('requested_at', time, (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('policy_digest', 'text', (c) => c.notNull())
      .addColumn('evidence_digest', 'text', (c) => c.notNull())
      .addColumn('decision_id', 'text')
      .addColumn('closed_at', time)
      .addColumn('closed_by', 'text')
      .addColumn('close_reason', 'text')
      .addColumn('bypass_expires_at', time)
      .addColumn('review_due_at', time)
      .addForeignKeyConstraint('transition_requests_version_fk', ['model', 'version'], 'versions', [
        'model',
        'version',
      ])
      .execute();
    await schema
      .createIndex('transition_requests_by_model')
      .on('transition_requests')
      .columns(['model', 'status'])
      .execute();
    await schema
      .createTable('approvals')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('request_id', 'text', (c) => c.notNull().references('transition_requests.id'))
      .addColumn('approver', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('decision', 'text', (c) => c.notNull())
      .addColumn('comment', 'text', (c) => c.notNull())
      .addColumn('ticket', 'text')
      .addColumn('risk_class', 'text', (c) => c.notNull())
      .addColumn('evidence_digest', 'text', (c) => c.notNull())
      .addColumn('policy_digest', 'text', (c) => c.notNull())
      .addColumn('at', time, (c) => c.notNull())
      .execute();
    await schema.createIndex('approvals_by_request').on('approvals').column('request_id').execute();
    await schema
      .createTable('decisions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text')
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('policy_digest', 'text', (c) => c.notNull())
      .addColumn('evidence_digest', 'text', (c) => c.notNull())
      .addColumn('at', time, (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .execute();
    await schema
      .createIndex('decisions_by_model')
      .on('decisions')
      .columns(['model', 'kind'])
      .execute();
    await schema
      .createTable('serving')
      .addColumn('model', 'text', (c) => c.primaryKey().references('models.name'))
      .addColumn('production_version', 'text')
      .addColumn('production_since', time)
      .addColumn('canary_version', 'text')
      .addColumn('canary_traffic', 'double precision')
      .addColumn('canary_since', time)
      .addColumn('rollback_target_version', 'text')
      .execute();
    await createAuditTables(db, time);
    await createAccessTables(db, time);
  },
});

async function createAuditTables(db: MigrationDb, time: 'timestamptz' | 'text'): Promise<void> {
  await db.schema
    .createTable('audit_entries')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('leaf_hash', 'text', (c) => c.notNull())
    .addColumn('time', time, (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('audit_entries_by_subject')
    .on('audit_entries')
    .columns(['subject_type', 'subject_id'])
    .execute();
  // One row holding the log size: appenders update it, which serialises them on its row lock.
  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('size', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into audit_head (id, size) values (1, 0)`.execute(db);
  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('size', 'bigint', (c) => c.primaryKey())
    .addColumn('root_hash', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
}

async function createAccessTables(db: MigrationDb, time: 'timestamptz' | 'text'): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('disabled_at', time)
    .execute();
  await db.schema
    .createTable('role_bindings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('model', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
  // A global binding has model NULL; coalesce makes it unique too (NULLs never collide).
  await sql`create unique index role_bindings_unique on role_bindings (user_id, role, coalesce(model, ''))`.execute(
    db,
  );
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time)
    .addColumn('revoked_at', time)
    .execute();
}
