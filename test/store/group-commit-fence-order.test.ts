/**
 * Group commit's fence (ADR 045) against Kysely's single-connection provider, which is not a FIFO
 * queue: between one statement's end and the next waiter's start (a few microtask turns) a
 * newcomer — the batch's RELEASE, the runner's COMMIT — takes the connection first. On
 * better-sqlite3 every statement completes in microtasks, so a work that returns a few turns after
 * setting off statements it did not await hits that window every time. Such a statement must be
 * refused at the connection, never run after its work's RELEASE or COMMIT. (Found by review: a
 * fence checked only when a statement is built let them through, after COMMIT in autocommit.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { watchStatements } from '../../src/store/dialects/checked-dialect.js';
import { sqliteDialect } from '../../src/store/dialects/sqlite-dialect.js';
import type { StoreDialect } from '../../src/store/dialects/store-dialect.js';
import type { Database } from '../../src/store/schema.js';

const opened: StoreDialect[] = [];
afterEach(async () => {
  for (const dialect of opened.splice(0)) await dialect.destroy();
});

async function open(): Promise<StoreDialect> {
  const file = join(mkdtempSync(join(tmpdir(), 'clearance-fence-order-')), 'registry.db');
  const dialect = sqliteDialect({ file });
  opened.push(dialect);
  await sql`create table t (id text primary key)`.execute(dialect.db);
  await sql`create table u (id text primary key)`.execute(dialect.db);
  return dialect;
}

const insert = (db: Kysely<Database>, id: string) =>
  sql`insert into t (id) values (${id})`.execute(db);

/** Sets off `n` inserts it does not await, built while it runs, and returns `turns` later. */
function setsOffAndReturns(n: number, turns: number) {
  return async (db: Kysely<Database>) => {
    for (let i = 0; i < n; i++) void insert(db, `w${turns}-${i}`).catch(() => undefined);
    for (let i = 0; i < turns; i++) await Promise.resolve();
    return 'ok';
  };
}

/** The statements sent while `run` runs, inserts as INS, savepoints as SP. */
async function statementsOf(run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const stop = watchStatements((s) =>
    seen.push(
      s.startsWith('insert into t')
        ? 'INS'
        : s.startsWith('insert into u')
          ? 'NEIGHBOUR'
          : s.replace(/savepoint grouped_write/, 'SP'),
    ),
  );
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    stop();
  }
  return seen;
}

it("sends a lone work's statements, built while it ran, before its COMMIT", async () => {
  const dialect = await open();
  const order = await statementsOf(() => dialect.writeTransaction(setsOffAndReturns(2, 3)));
  // A fence checked only when a statement is built gave: begin immediate | INS | commit | INS,
  // the second insert in autocommit, outside the work's transaction.
  expect(order.lastIndexOf('INS')).toBeLessThan(order.indexOf('commit'));
});

it("sends a grouped work's statements, built while it ran, before its RELEASE", async () => {
  const dialect = await open();
  const order = await statementsOf(() =>
    Promise.allSettled([
      dialect.writeTransaction(setsOffAndReturns(3, 3)),
      dialect.writeTransaction(async (db) => sql`insert into u (id) values ('n')`.execute(db)),
    ]),
  );
  // Checked only when built: … | release SP | INS | INS | SP | NEIGHBOUR | … — two of the
  // first work's inserts outside its savepoint.
  expect(order.lastIndexOf('INS')).toBeLessThan(order.indexOf('release SP'));
});

it('keeps the order for every number of turns a work takes to return', async () => {
  const dialect = await open();
  const outside: number[] = [];
  for (let turns = 0; turns < 16; turns++) {
    const order = await statementsOf(() => dialect.writeTransaction(setsOffAndReturns(3, turns)));
    if (order.lastIndexOf('INS') > order.indexOf('commit')) outside.push(turns);
  }
  // Checked only when built: [3, 4, 5, 6, 12, 13, 14, 15].
  expect(outside).toEqual([]);
});
