/**
 * Write transactions on PostgreSQL run on pipelined connections (ADR 049): statements a work asks
 * for together are handed to the connection together, not one after another's answer, and the
 * guarantees of group commit hold for them: a work whose statement fails amid others sent with it
 * fails alone and none of its statements is committed, the others' works still commit, and
 * statements still in flight when a work throws are not committed either.
 */
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchStatements } from '../../src/store/dialects/checked-dialect.js';
import { postgresDialect } from '../../src/store/dialects/postgres-dialect.js';
import type { StoreDialect } from '../../src/store/dialects/store-dialect.js';
import type { Database } from '../../src/store/schema.js';
import { type FreshPostgres, freshPostgresDatabase, postgresForSuite } from './engines.js';

const title = 'pipelined write transactions on PostgreSQL';

describe.runIf(postgresForSuite(title))(title, () => {
  let database: FreshPostgres;
  let dialect: StoreDialect;
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    dialect = postgresDialect({ url: database.url });
  });
  afterAll(async () => {
    await dialect.destroy();
    await database.drop();
  });

  let table = 0;
  async function freshTable(): Promise<string> {
    table += 1;
    const name = `pw_${table}`;
    await sql.raw(`create table ${name} (id text primary key, n serial)`).execute(dialect.db);
    return name;
  }
  const insert = (db: Kysely<Database>, t: string, id: string) =>
    sql`insert into ${sql.table(t)} (id) values (${id})`.execute(db);
  const stored = async (t: string) =>
    (
      await sql<{ id: string }>`select id from ${sql.table(t)} order by n`.execute(dialect.db)
    ).rows.map((r) => r.id);

  it('hands statements asked for together to the connection before the first is answered', async () => {
    const handed: { text: string; at: number }[] = [];
    const answered: Record<string, number> = {};
    const stop = watchStatements((text) => handed.push({ text, at: performance.now() }));
    try {
      await dialect.writeTransaction(async (db) => {
        await Promise.all([
          sql`select pg_sleep(0.3) as slow`.execute(db).then(() => {
            answered.slow = performance.now();
          }),
          sql`select 1 as quick`.execute(db).then(() => {
            answered.quick = performance.now();
          }),
        ]);
      });
    } finally {
      stop();
    }
    const quick = handed.find((h) => h.text.includes('as quick'));
    expect(quick).toBeDefined();
    expect(answered.slow).toBeDefined();
    // Kysely alone would hand the second over only once the first (300 ms) was answered.
    expect(quick?.at ?? Number.POSITIVE_INFINITY).toBeLessThan(answered.slow ?? 0);
    // The server still runs them in order: the quick one is answered after the slow one.
    expect(answered.quick ?? 0).toBeGreaterThanOrEqual(answered.slow ?? Number.POSITIVE_INFINITY);
  });

  it('fails alone a work whose statement fails amid others sent with it; nothing of it commits', async () => {
    const t = await freshTable();
    await dialect.writeTransaction((db) => insert(db, t, 'taken'));
    const settled = await Promise.allSettled([
      dialect.writeTransaction((db) => insert(db, t, 'a')),
      dialect.writeTransaction(async (db) => {
        // Sent together: the first is accepted, the second violates the key, the third is sent
        // behind it and refused by the aborted savepoint.
        await Promise.all([insert(db, t, 'b1'), insert(db, t, 'taken'), insert(db, t, 'b3')]);
      }),
      dialect.writeTransaction((db) => insert(db, t, 'c')),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toContain('duplicate key');
    expect(await stored(t)).toEqual(['taken', 'a', 'c']);
  });

  it('commits nothing a work left in flight when it threw', async () => {
    const t = await freshTable();
    const settled = await Promise.allSettled([
      dialect.writeTransaction((db) => insert(db, t, 'before')),
      dialect.writeTransaction(async (db) => {
        // Started and not awaited, as a read started early is when a refusal comes first.
        const inFlight = Promise.all([
          sql`select pg_sleep(0.05)`.execute(db),
          insert(db, t, 'in-flight'),
        ]);
        inFlight.catch(() => undefined);
        throw new Error('refused first');
      }),
      dialect.writeTransaction((db) => insert(db, t, 'after')),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toContain('refused first');
    expect(await stored(t)).toEqual(['before', 'after']);
  });

  it('keeps a lone work’s pipelined statements in its transaction when one fails', async () => {
    const t = await freshTable();
    await dialect.writeTransaction((db) => insert(db, t, 'taken'));
    await expect(
      dialect.writeTransaction(async (db) => {
        await Promise.all([insert(db, t, 'x1'), insert(db, t, 'taken'), insert(db, t, 'x3')]);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await stored(t)).toEqual(['taken']);
  });
});
