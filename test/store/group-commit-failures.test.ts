/**
 * Group commit (ADR 012) on the real SQLite dialect, attacked where a shared transaction can lie:
 * a work whose statements outlive its throw, a work that aborts the whole transaction, a COMMIT
 * that fails, a write asked for inside a write, works that await timers between statements.
 * Each case starts its writes in one tick, so they share one batch.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { WriteWaitExceeded } from '../../src/store/dialects/group-commit.js';
import { sqliteDialect } from '../../src/store/dialects/sqlite-dialect.js';
import type { StoreDialect } from '../../src/store/dialects/store-dialect.js';
import { preparedQuery } from '../../src/store/prepared-query.js';
import type { Database } from '../../src/store/schema.js';

const opened: StoreDialect[] = [];
afterEach(async () => {
  for (const dialect of opened.splice(0)) await dialect.destroy();
});

async function open(options: { writeWaitLimitMs?: number } = {}): Promise<StoreDialect> {
  const file = join(mkdtempSync(join(tmpdir(), 'clearance-group-commit-')), 'registry.db');
  const dialect = sqliteDialect({ file, ...options });
  opened.push(dialect);
  await sql`create table t (id text primary key)`.execute(dialect.db);
  await sql`create table parent (id text primary key)`.execute(dialect.db);
  await sql`create table child (id text primary key, parent text references parent (id) deferrable initially deferred)`.execute(
    dialect.db,
  );
  return dialect;
}

const insert = (db: Kysely<Database>, id: string) =>
  sql`insert into t (id) values (${id})`.execute(db);

/** A write of one row, answering its id. */
function put(dialect: StoreDialect, id: string): Promise<string> {
  return dialect.writeTransaction(async (db) => {
    await insert(db, id);
    return id;
  });
}

async function stored(dialect: StoreDialect): Promise<string[]> {
  const { rows } = await dialect.readStatement((db) =>
    sql<{ id: string }>`select id from t order by rowid`.execute(db),
  );
  return rows.map((r) => r.id);
}

function outcomes(settled: PromiseSettledResult<unknown>[]): string[] {
  return settled.map((s) =>
    s.status === 'fulfilled' ? `ok ${String(s.value)}` : `failed: ${(s.reason as Error).message}`,
  );
}

it('leaves nothing of a work that throws while its other statements are still in flight', async () => {
  const dialect = await open();
  await dialect.writeTransaction((db) => insert(db, 'taken'));
  const settled = await Promise.allSettled([
    put(dialect, 'a'),
    dialect.writeTransaction(async (db) => {
      await Promise.all([insert(db, 'taken'), insert(db, 'b1'), insert(db, 'b2')]);
      return 'b';
    }),
    put(dialect, 'c'),
  ]);
  expect(outcomes(settled)).toEqual(['ok a', 'failed: UNIQUE constraint failed: t.id', 'ok c']);
  expect(await stored(dialect)).toEqual(['taken', 'a', 'c']);
});

it('leaves nothing of a lone work that throws while its other statements are in flight', async () => {
  const dialect = await open();
  await dialect.writeTransaction((db) => insert(db, 'taken'));
  const failed = dialect.writeTransaction(async (db) => {
    await Promise.all([insert(db, 'taken'), insert(db, 'b1'), insert(db, 'b2')]);
  });
  await expect(failed).rejects.toThrow('UNIQUE constraint failed: t.id');
  expect(await stored(dialect)).toEqual(['taken']);
});

/**
 * A work that starts statements one after another, a timer apart, does not wait for them, and
 * throws: the later ones come after its rollback.
 */
async function strayThenThrow(db: Kysely<Database>): Promise<never> {
  void (async () => {
    for (const id of ['stray-1', 'stray-2', 'stray-3']) {
      await insert(db, id);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })().catch(() => undefined);
  await Promise.resolve();
  throw new Error('refused');
}

it('refuses the statements a failed work left running, in a batch and alone', async () => {
  const dialect = await open();
  const settled = await Promise.allSettled([
    put(dialect, 'a'),
    dialect.writeTransaction(strayThenThrow),
    put(dialect, 'c'),
  ]);
  expect(outcomes(settled)).toStrictEqual(['ok a', 'failed: refused', 'ok c']);
  await expect(dialect.writeTransaction(strayThenThrow)).rejects.toThrow('refused');
  await put(dialect, 'd');
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await stored(dialect)).toStrictEqual(['a', 'c', 'd']);
});

it('fails every write of a batch one of them aborted, commits none, and tells each its cause', async () => {
  const dialect = await open();
  const settled = await Promise.allSettled([
    put(dialect, 'a'),
    dialect.writeTransaction(async (db) => {
      await insert(db, 'b');
      // What SQLITE_FULL or SQLITE_IOERR do to a transaction: the engine rolls all of it back.
      // (Compiled by hand, past the work's fence, which refuses a `rollback` built on its handle.)
      await db.executeQuery(CompiledQuery.raw('rollback'));
      throw new Error('the disk is full');
    }),
    put(dialect, 'c'),
  ]);
  const aborted =
    'failed: The shared transaction was aborted by another write of its batch; nothing was committed.';
  expect(outcomes(settled)).toEqual([aborted, 'failed: the disk is full', aborted]);
  expect(await stored(dialect)).toEqual([]);
  // The connection is usable again.
  await dialect.writeTransaction((db) => insert(db, 'after'));
  expect(await stored(dialect)).toEqual(['after']);
});

it('acknowledges no write of a batch whose COMMIT fails, and commits none', async () => {
  const dialect = await open();
  const settled = await Promise.allSettled([
    put(dialect, 'a'),
    // A deferred foreign key is checked at COMMIT: the work itself succeeds.
    dialect.writeTransaction(async (db) => {
      await sql`insert into child (id, parent) values ('x', 'missing')`.execute(db);
      return 'b';
    }),
    put(dialect, 'c'),
  ]);
  expect(outcomes(settled)).toEqual(Array(3).fill('failed: FOREIGN KEY constraint failed'));
  expect(await stored(dialect)).toEqual([]);
});

it('fails a write started inside a write after the wait limit instead of waiting for it forever', async () => {
  const dialect = await open({ writeWaitLimitMs: 150 });
  const waited = new WriteWaitExceeded(150).message;
  const settled = await Promise.allSettled([
    put(dialect, 'a'),
    dialect.writeTransaction(async (db) => {
      await insert(db, 'b');
      return dialect.writeTransaction((inner) => insert(inner, 'inner'));
    }),
  ]);
  expect(outcomes(settled)).toEqual(['ok a', `failed: ${waited}`]);
  const alone = dialect.writeTransaction(() => dialect.writeTransaction(async () => 'inner'));
  await expect(alone).rejects.toBeInstanceOf(WriteWaitExceeded);
  expect(await stored(dialect)).toEqual(['a']);
  // A write a work set off without awaiting it runs once that batch is over.
  let later: Promise<unknown> | undefined;
  await dialect.writeTransaction(async (db) => {
    await insert(db, 'd');
    later = new Promise((resolve) => setTimeout(resolve, 1)).then(() =>
      dialect.writeTransaction((inner) => insert(inner, 'set off')),
    );
  });
  await later;
  expect(await stored(dialect)).toEqual(['a', 'd', 'set off']);
  // Writes behind a long batch wait past the limit only when the batch itself does: these wait
  // for a 100 ms work and commit.
  const slow = dialect.writeTransaction(async (db) => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    await insert(db, 'slow');
  });
  await new Promise((resolve) => setImmediate(resolve));
  await Promise.all([slow, put(dialect, 'behind')]);
  expect(await stored(dialect)).toEqual(['a', 'd', 'set off', 'slow', 'behind']);
});

/** A compiled-once read (prepared-query.ts), which runs past Kysely's plugins. */
const countRows = preparedQuery((db, p: { id: string }) =>
  db
    .selectFrom('t' as never)
    .select(({ fn }) => fn.countAll<number>().as('n'))
    .where('id' as never, '!=', p.id as never),
);

it('refuses a statement a work built after it ended, compiled-once queries too', async () => {
  const dialect = await open();
  let handle: Kysely<Database> | undefined;
  // The compiled-once read compiles on its first call, through the plugins; later calls do not.
  const counted = await dialect.writeTransaction(async (db) => {
    await insert(db, 'a');
    handle = db;
    return countRows(db, { id: 'x' });
  });
  expect(counted).toEqual([{ n: 1 }]);
  if (handle === undefined) throw new Error('the work did not run');
  const ended = handle;
  await expect(insert(ended, 'late')).rejects.toThrow(/had already ended/);
  await expect(countRows(ended, { id: 'x' })).rejects.toThrow(/had already ended/);
  expect(await stored(dialect)).toEqual(['a']);
});

it('never interleaves two works of a batch, even when they await timers', async () => {
  const dialect = await open();
  const works = Array.from({ length: 6 }, (_, k) =>
    dialect.writeTransaction(async (db) => {
      await insert(db, `${k} first`);
      // The earliest work waits longest: interleaving would put later works' rows in between.
      await new Promise((resolve) => setTimeout(resolve, 3 * (6 - k)));
      await insert(db, `${k} second`);
    }),
  );
  await Promise.all(works);
  expect(await stored(dialect)).toEqual(
    Array.from({ length: 6 }, (_, k) => [`${k} first`, `${k} second`]).flat(),
  );
});
