/**
 * Group commit's fence (ADR 045) on PostgreSQL: the sweep of group-commit-fence-order.test.ts.
 * Here a statement
 * completes on socket I/O, so a work can only return in a statement's completion turn by awaiting
 * its promise, which settles after the next waiter has taken the connection: the order holds.
 */
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchStatements } from '../../src/store/dialects/checked-dialect.js';
import { postgresDialect } from '../../src/store/dialects/postgres-dialect.js';
import type { StoreDialect } from '../../src/store/dialects/store-dialect.js';
import type { Database } from '../../src/store/schema.js';
import { type FreshPostgres, freshPostgresDatabase, postgresForSuite } from './engines.js';

const title = 'group commit: statements of ended works on PostgreSQL';
describe.runIf(postgresForSuite(title))(title, () => {
  let database: FreshPostgres;
  let dialect: StoreDialect;
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    dialect = postgresDialect({ url: database.url });
    await sql`create table t (id text primary key)`.execute(dialect.db);
  });
  afterAll(async () => {
    await dialect.destroy();
    await database.drop();
  });
  const insert = (db: Kysely<Database>, id: string) =>
    sql`insert into t (id) values (${id})`.execute(db);

  it('sends every statement a work built before its end, lone or grouped, before RELEASE/COMMIT/ROLLBACK', async () => {
    const outside: string[] = [];
    let n = 0;
    for (const awaitFirst of [false, true])
      for (const fails of [false, true])
        for (const grouped of [false, true])
          for (let turns = 0; turns < 12; turns++) {
            const seen: string[] = [];
            const stop = watchStatements((s) => seen.push(s.startsWith('insert') ? 'INS' : s));
            const work = async (db: Kysely<Database>) => {
              const first = insert(db, `x${++n}`);
              for (let i = 0; i < 3; i++) void insert(db, `x${++n}`).catch(() => undefined);
              if (awaitFirst) await first;
              else void first.catch(() => undefined);
              for (let i = 0; i < turns; i++) await Promise.resolve();
              if (fails) throw new Error('fails');
            };
            const writes = [dialect.writeTransaction(work)];
            if (grouped) writes.push(dialect.writeTransaction(async () => undefined));
            await Promise.allSettled(writes);
            await new Promise((resolve) => setTimeout(resolve, 20));
            stop();
            const end = seen.findIndex((s) => /^(release|rollback|commit)/.test(s));
            if (seen.lastIndexOf('INS') > end)
              outside.push(`${awaitFirst}/${fails}/${grouped}/${turns}: ${seen.join(' | ')}`);
          }
    expect(outside).toEqual([]);
  }, 60_000);
});
