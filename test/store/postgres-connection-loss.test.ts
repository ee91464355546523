import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresDialect } from '../../src/store/dialects/postgres-dialect.js';
import { createStore } from '../../src/store/index.js';
import { type FreshPostgres, freshPostgresDatabase, postgresForSuite } from './engines.js';
import { auditInput, unique } from './fixtures.js';

/**
 * A PostgreSQL server that ends connections (restart, failover, an administrator) must not crash
 * Clearance: the pool drops the dead connections and the next transaction opens new ones. A
 * connection lent out to a work has no pool listener (pg-pool takes its own off while it lends a
 * client), so the store keeps one of its own on every client.
 */
const title = 'PostgreSQL connection loss';
const run = postgresForSuite(title) ? describe : describe.skip;

run(title, () => {
  let fresh: FreshPostgres | undefined;
  afterAll(async () => {
    await fresh?.drop();
  });

  it('survives the server ending every idle connection, and keeps working', async () => {
    fresh = await freshPostgresDatabase();
    const store = await createStore({ engine: 'postgres', url: fresh.url });
    try {
      await store.transaction((tx) => tx.audit.append(auditInput(unique('before'))));
      const admin = new pg.Client({ connectionString: fresh.url });
      await admin.connect();
      const database = new URL(fresh.url).pathname.slice(1);
      const ended = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [database],
      );
      expect(ended.rowCount).toBeGreaterThan(0);
      // Wait for the terminated backends to be gone, not a fixed time: each sends its client the
      // termination error before it leaves pg_stat_activity.
      const ends = Date.now() + 30_000;
      for (;;) {
        const left = await admin.query(
          'select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [database],
        );
        if (left.rows[0]?.n === 0) break;
        if (Date.now() > ends) throw new Error('the terminated backends did not end');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await admin.end();
      // One turn of the event loop: the pool's clients handle the errors already on their sockets.
      await new Promise((resolve) => setImmediate(resolve));
      const size = await store.transaction(async (tx) => {
        await tx.audit.append(auditInput(unique('after')));
        return tx.audit.size();
      });
      expect(size).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('fails only the work whose backend ends under it, with no uncaught error', async () => {
    const database = await freshPostgresDatabase();
    const dialect = postgresDialect({ url: database.url, poolSize: 2 });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      await sql.raw('create table t (id text primary key)').execute(dialect.db);
      const killed = dialect.writeTransaction(async (db) => {
        await sql`insert into t (id) values ('k1')`.execute(db);
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
        await admin.query('select pg_terminate_backend($1)', [rows[0]?.pid]);
        await sql`insert into t (id) values ('k2')`.execute(db);
      });
      await expect(killed).rejects.toThrow();
      for (let i = 0; i < 4; i++) {
        await dialect.writeTransaction((db) =>
          sql`insert into t (id) values (${`after${i}`})`.execute(db),
        );
      }
      // An 'error' event emitted after the rejection gets a turn to arrive.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const ids = (await admin.query<{ id: string }>('select id from t order by id')).rows;
      expect(ids.map((r) => r.id)).toEqual(['after0', 'after1', 'after2', 'after3']);
    } finally {
      process.off('uncaughtException', record);
      await admin.end();
      await dialect.destroy();
      await database.drop();
    }
    expect(uncaught).toEqual([]);
  });
});
