/**
 * PostgreSQL's `session_replication_role = replica` (the mode logical replication applies in, and
 * a setting any superuser session can take) fires only triggers enabled ALWAYS. Every trigger
 * Clearance creates is (migration 0020, ADR 027): the append-only tables still refuse UPDATE,
 * DELETE and TRUNCATE, and the data version, the identity epoch and the version change counts
 * still move, so no cache keeps what such a session changed. SQLite has no such mode.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { expect, it } from 'vitest';
import { createStore, type StoreDialect } from '../../src/store/index.js';
import { eachEngine } from './engines.js';
import { auditInput, seedVersion, unique } from './fixtures.js';

/** Runs `work` on one connection of `db` in replica mode. */
async function inReplicaMode<T>(
  db: StoreDialect['db'],
  work: (connection: StoreDialect['db']) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (connection) => {
    await sql`set session_replication_role = replica`.execute(connection);
    try {
      return await work(connection);
    } finally {
      await sql`reset session_replication_role`.execute(connection);
    }
  });
}

eachEngine('replica-mode sessions', (engine) => {
  const postgresOnly = it.runIf(engine.name === 'postgres');

  postgresOnly('finds no trigger of ours that a replica-mode session skips', async () => {
    await engine.openStore();
    const { db } = engine.openDialect();
    const { rows } = await sql<{ tgname: string; tgenabled: string }>`
      select g.tgname, g.tgenabled from pg_trigger g join pg_class c on c.oid = g.tgrelid
      join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and not g.tgisinternal`.execute(db);
    expect(rows.length).toBeGreaterThan(40);
    expect(rows.filter((r) => r.tgenabled !== 'A').map((r) => r.tgname)).toEqual([]);
  });

  postgresOnly('refuses UPDATE, DELETE and TRUNCATE of the log in replica mode', async () => {
    const store = await engine.openStore();
    const entry = await store.transaction(async (tx) => {
      await seedVersion(tx);
      return tx.audit.append(auditInput(unique('replica')));
    });
    const { db } = engine.openDialect();
    await inReplicaMode(db, async (connection) => {
      await expect(
        sql`update audit_entries set action = 'x.y' where seq = ${entry.seq}`.execute(connection),
      ).rejects.toThrow(/audit_entries is append-only: UPDATE is refused/);
      await expect(
        sql`delete from audit_entries where seq = ${entry.seq}`.execute(connection),
      ).rejects.toThrow(/audit_entries is append-only: DELETE is refused/);
      await expect(sql`truncate audit_entries cascade`.execute(connection)).rejects.toThrow(
        /append-only/,
      );
      await expect(sql`delete from versions`.execute(connection)).rejects.toThrow(
        /versions is append-only/,
      );
    });
    const kept = await store.read((tx) => tx.audit.size());
    expect(kept).toBeGreaterThanOrEqual(entry.seq + 1);
  });

  postgresOnly('moves the data version, the identity epoch and the version counts', async () => {
    const store = await engine.openStore();
    const { version } = await store.transaction(seedVersion);
    const dataVersion = await store.dataVersion();
    const epoch = await store.readOne((tx) => tx.identity.epoch());
    const changes = await store.readOne((tx) => tx.versions.changes(version.model));
    const { db } = engine.openDialect();
    await inReplicaMode(db, async (connection) => {
      await sql`insert into users (id, display_name, created_at) values (${unique('replica')}, 'R', ${new Date().toISOString()})`.execute(
        connection,
      );
      await sql`update version_states set since = ${new Date().toISOString()} where model = ${version.model}`.execute(
        connection,
      );
    });
    expect(await store.dataVersion()).not.toBe(dataVersion);
    expect(await store.readOne((tx) => tx.identity.epoch())).toBeGreaterThan(epoch);
    expect(await store.readOne((tx) => tx.versions.changes(version.model))).toBeGreaterThan(
      changes,
    );
  });

  postgresOnly(
    'fires every trigger in a logical replication apply session (search_path empty)',
    async () => {
      const store = await engine.openStore();
      const { model } = await store.transaction(seedVersion);
      const userId = unique('applied');
      await store.transaction((tx) =>
        tx.identity.insertUser({
          id: userId,
          displayName: 'A',
          createdAt: new Date().toISOString(),
          createdBy: 'alice',
        }),
      );
      const dataVersion = await store.dataVersion();
      const epoch = await store.readOne((tx) => tx.identity.epoch());
      const applied = unique('applied-model');
      const { db } = engine.openDialect();
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
      const schema = sql.id(rows[0]?.schema ?? 'public');
      const now = new Date().toISOString();
      // What an apply worker runs: replica mode, an empty search path, schema-qualified statements.
      await inReplicaMode(db, async (connection) => {
        await sql`set search_path = ''`.execute(connection);
        try {
          await sql`insert into ${schema}.models (name, owner_team, risk_tier, policy_digest, description, created_at, created_by)
          values (${applied}, ${model.ownerTeam}, ${model.riskTier}, ${model.policyDigest}, null, ${now}, 'u:applier')`.execute(
            connection,
          );
          await sql`insert into ${schema}.versions (model, version, artifact_uri, artifact_digest, lineage, created_at, created_by)
          values (${applied}, '1.0.0', 's3://b/m', ${`sha256:${'0'.repeat(64)}`}, '{}', ${now}, 'u:applier')`.execute(
            connection,
          );
          await sql`update ${schema}.users set display_name = 'B' where id = ${userId}`.execute(
            connection,
          );
        } finally {
          await sql`reset search_path`.execute(connection);
        }
      });
      expect(await store.dataVersion()).not.toBe(dataVersion);
      expect(await store.readOne((tx) => tx.identity.epoch())).toBeGreaterThan(epoch);
      expect(await store.readOne((tx) => tx.versions.changes(applied))).toBeGreaterThan(0);
    },
  );

  postgresOnly('migrates a schema whose name needs quoting', async () => {
    // A database of its own, with the quoted schema only (several schemas of one database:
    // test/store/migrate-schemas.test.ts).
    const { db } = engine.openDialect();
    const database = unique('quoted_schema')
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, '_');
    await sql`create database ${sql.id(database)}`.execute(db);
    try {
      const config = engine.config();
      if (config.engine !== 'postgres') throw new Error('PostgreSQL only');
      const url = new URL(config.url);
      url.pathname = `/${database}`;
      const admin = new URL(url);
      url.searchParams.set('options', '-c search_path="Clearance"');
      const client = new pg.Client({ connectionString: admin.toString() });
      await client.connect();
      try {
        await client.query('create schema "Clearance"');
      } finally {
        await client.end();
      }
      const store = await createStore({ engine: 'postgres', url: url.toString() });
      try {
        await store.transaction(seedVersion);
      } finally {
        await store.close();
      }
      const check = new pg.Client({ connectionString: admin.toString() });
      await check.connect();
      try {
        const { rows } = await check.query<{ tgenabled: string }>(
          `select g.tgenabled from pg_trigger g join pg_class c on c.oid = g.tgrelid
           join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = 'Clearance' and not g.tgisinternal`,
        );
        expect(rows.length).toBeGreaterThan(40);
        expect(rows.filter((r) => r.tgenabled !== 'A')).toEqual([]);
      } finally {
        await check.end();
      }
    } finally {
      await sql`drop database if exists ${sql.id(database)} with (force)`.execute(db);
    }
  });

  postgresOnly('warns at start of every trigger of ours ENABLE TRIGGER ALL put back', async () => {
    await engine.openStore();
    const { db } = engine.openDialect();
    // What `pg_dump --data-only --disable-triggers` runs around each table's rows.
    await sql`alter table api_tokens disable trigger all`.execute(db);
    await sql`alter table api_tokens enable trigger all`.execute(db);
    try {
      const warnings: string[] = [];
      const store = await createStore(engine.config(), { warn: (m) => warnings.push(m) });
      await store.close();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/api_tokens \(api_tokens_bumps_identity_epoch, /);
      expect(warnings[0]).toContain(
        'ALTER TABLE api_tokens ENABLE ALWAYS TRIGGER api_tokens_bumps_identity_epoch;',
      );
      expect(warnings[0]).not.toMatch(/audit_entries/);
    } finally {
      for (const statement of engine.openDialect().fireAlwaysStatements()) {
        await sql.raw(statement).execute(db);
      }
    }
    const quiet: string[] = [];
    const again = await createStore(engine.config(), { warn: (m) => quiet.push(m) });
    await again.close();
    expect(quiet).toEqual([]);
  });
});
