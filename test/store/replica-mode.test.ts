/**
 * PostgreSQL's `session_replication_role = replica` (the mode logical replication applies in, and
 * a setting any superuser session can take) fires only triggers enabled ALWAYS. Every trigger
 * Clearance creates is (migration 0020, ADR 027): the append-only tables still refuse UPDATE,
 * DELETE and TRUNCATE, and the data version, the identity epoch and the version change counts
 * still move, so no cache keeps what such a session changed. SQLite has no such mode.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { StoreDialect } from '../../src/store/index.js';
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
      where c.relnamespace = current_schema()::regnamespace and not g.tgisinternal`.execute(db);
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
});
