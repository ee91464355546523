/**
 * A write runs inside the transaction it shares with the rest of its batch (group commit, ADRs
 * 012 and 017): a statement of a work that would begin, commit or roll back a transaction, or
 * release or roll back to the batch's savepoint, is refused before it runs, and so is Kysely's
 * own `transaction()` on a work's handle on PostgreSQL (where a nested BEGIN only warns and its
 * COMMIT would commit the batch so far). The work fails alone; its neighbours commit. A savepoint
 * of the work's own, nested in its own, is allowed. (Found by review, session 22.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlsTransaction } from '../../src/store/dialects/group-commit.js';
import { sqliteDialect } from '../../src/store/dialects/sqlite-dialect.js';
import type { StoreDialect } from '../../src/store/dialects/store-dialect.js';
import type { Database } from '../../src/store/schema.js';
import { postgresForSuite } from './engines.js';
import { postgresSuite, scratchTables } from './scratch-tables.js';

it('tells transaction control from other statements, past comments, strings and quoted names', () => {
  for (const text of [
    'commit',
    '  COMMIT;',
    'rollback',
    'ROLLBACK WORK',
    'begin',
    'start transaction isolation level serializable',
    'end',
    'abort',
    "prepare transaction 'x'",
    "commit prepared 'x'",
    'select 1; commit',
    '/* a note */ commit',
    '-- a note\ncommit',
    'release savepoint grouped_write',
    'rollback to savepoint grouped_write',
    'savepoint grouped_write',
  ]) {
    expect(controlsTransaction(text), text).toBe(true);
  }
  for (const text of [
    'select 1',
    "select 'commit; rollback'",
    'select "commit" from t',
    'select $$; commit$$',
    'savepoint mine',
    'release savepoint mine',
    'rollback to savepoint mine',
    'ROLLBACK TRANSACTION TO mine',
    'insert into t (id) values ($1)',
    'with ended as (select 1) select * from ended',
    '-- commit\nselect 1',
  ]) {
    expect(controlsTransaction(text), text).toBe(false);
  }
});

function transactionControlCases(dialect: () => StoreDialect, prefix: string, engine: string) {
  const { freshTable, insert, stored } = scratchTables(dialect, prefix);

  it(`refuses a work's statements that would end or cut into the shared transaction [${engine}]`, async () => {
    const t = await freshTable();
    for (const text of ['commit', 'rollback', 'release savepoint grouped_write', 'begin']) {
      const settled = await Promise.allSettled([
        dialect().writeTransaction((db) => insert(db, t, `${text}-a`)),
        dialect().writeTransaction(async (db) => {
          await insert(db, t, `${text}-b`);
          await sql.raw(text).execute(db);
        }),
        dialect().writeTransaction((db) => insert(db, t, `${text}-c`)),
      ]);
      expect(
        settled.map((s) => s.status),
        text,
      ).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(String((settled[1] as PromiseRejectedResult).reason)).toContain(
        'TransactionControlInWork',
      );
    }
    expect(await stored(t)).toEqual(
      ['commit', 'rollback', 'release savepoint grouped_write', 'begin'].flatMap((text) => [
        `${text}-a`,
        `${text}-c`,
      ]),
    );
  });

  it(`lets a work keep savepoints of its own [${engine}]`, async () => {
    const t = await freshTable();
    const settled = await Promise.allSettled([
      dialect().writeTransaction((db) => insert(db, t, 'a')),
      dialect().writeTransaction(async (db: Kysely<Database>) => {
        await insert(db, t, 'b1');
        await sql`savepoint mine`.execute(db);
        await insert(db, t, 'b2');
        await sql`rollback to savepoint mine`.execute(db);
        await sql`release savepoint mine`.execute(db);
        await insert(db, t, 'b3');
      }),
      dialect().writeTransaction((db) => insert(db, t, 'c')),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(await stored(t)).toEqual(['a', 'b1', 'b3', 'c']);
  });

  it(`refuses a transaction of its own on a work's handle [${engine}]`, async () => {
    const t = await freshTable();
    const settled = await Promise.allSettled([
      dialect().writeTransaction((db) => insert(db, t, 'a')),
      dialect().writeTransaction((db) =>
        db.transaction().execute((inner) => insert(inner, t, 'nested')),
      ),
      dialect().writeTransaction((db) => insert(db, t, 'c')),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await stored(t)).toEqual(['a', 'c']);
  });
}

describe('transaction control in a write, SQLite', () => {
  let dir: string;
  let dialect: StoreDialect | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'clearance-transaction-control-'));
    dialect = sqliteDialect({ file: join(dir, 'registry.db') });
  });
  afterAll(async () => {
    await dialect?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  transactionControlCases(
    () => {
      if (dialect === undefined) throw new Error('used outside the suite');
      return dialect;
    },
    'tc',
    'sqlite',
  );
});

const title = 'transaction control in a write, PostgreSQL';
describe.runIf(postgresForSuite(title))(title, () => {
  const suite = postgresSuite();
  transactionControlCases(() => suite.dialect, 'tc', 'postgres');
});
