/**
 * Writes naming different keys (models) run side by side in one transaction on PostgreSQL
 * (ADR 051): their statements interleave on the pipelined connection, without savepoints. Attacked
 * where that can lie: a work that throws or swallows a statement's error beside others (nothing of
 * the first run may commit, and every work runs again one by one), a COMMIT that fails after the
 * works ended whole (nothing runs twice), works of one key (never side by side, in order), works
 * with no key (after the others, in savepoints), a statement still in flight when a work ends;
 * works naming parts of one key (ADR 053: side by side, unless a part repeats or follows the
 * whole key).
 */
import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { WritePathStats } from '../../src/app/shared/ports.js';
import type { WriteKey } from '../../src/store/dialects/group-commit.js';
import type { Database } from '../../src/store/schema.js';
import { postgresForSuite } from './engines.js';
import { postgresSuite, scratchTables } from './scratch-tables.js';

const title = 'writes side by side on PostgreSQL';

describe.runIf(postgresForSuite(title))(title, () => {
  const suite = postgresSuite();
  const { freshTable, insert, stored } = scratchTables(() => suite.dialect, 'sbs');

  /** Runs of each work, by name: a work run again counts twice. */
  let runs = new Map<string, number>();
  const ran = (name: string) => runs.set(name, (runs.get(name) ?? 0) + 1);

  /** A write of one row under `key` (none: `null`), answering the id of its transaction. */
  const put = (t: string, id: string, key: string | null = `model ${id}`) =>
    suite.dialect.writeTransaction(async (db) => {
      ran(id);
      await insert(db, t, id);
      const { rows } = await sql<{ xid: string }>`select txid_current()::text as xid`.execute(db);
      return rows[0]?.xid;
    }, key ?? undefined);

  /** The write path's counters now, to measure from. */
  const stats = () => suite.dialect.writeStats();
  /** Writes run again and transactions since `before`. */
  const since = (before: WritePathStats) => {
    const now = stats();
    return {
      runAgain: now.runAgain - before.runAgain,
      transactions: now.transactions - before.transactions,
    };
  };

  it('interleaves the statements of works naming different keys, in one transaction', async () => {
    runs = new Map();
    const t = await freshTable();
    const before = stats();
    // Each work first sleeps 0.3 s on the server. One after another, the third would start only
    // once the first two had been answered; side by side all three start at once (the server
    // still runs the sleeps one after another, in the order they were sent).
    const startedAt: number[] = [];
    const sleeper = (id: string) =>
      suite.dialect.writeTransaction(async (db: Kysely<Database>) => {
        startedAt.push(performance.now());
        await sql`select pg_sleep(0.3)`.execute(db);
        await insert(db, t, id);
        const { rows } = await sql<{ xid: string }>`select txid_current()::text as xid`.execute(db);
        return rows[0]?.xid;
      }, `model ${id}`);
    const xids = await Promise.all([sleeper('a'), sleeper('b'), sleeper('c')]);
    expect(new Set(xids).size).toBe(1);
    expect((startedAt[2] ?? 0) - (startedAt[0] ?? 0)).toBeLessThan(150);
    expect((await stored(t)).sort()).toEqual(['a', 'b', 'c']);
    expect(since(before)).toEqual({ runAgain: 0, transactions: 1 });
  });

  it('runs works of one key one after another, in order, the later seeing the earlier', async () => {
    const t = await freshTable();
    const seen: number[] = [];
    const counting = (id: string) =>
      suite.dialect.writeTransaction(async (db) => {
        const { rows } = await sql<{
          n: string;
        }>`select count(*)::text as n from ${sql.table(t)}`.execute(db);
        seen.push(Number(rows[0]?.n));
        await insert(db, t, id);
      }, 'model one');
    await Promise.all([counting('a'), counting('b'), counting('c'), put(t, 'x')]);
    // The three of one key saw 0, 1 and 2 rows of theirs before them (plus, for the ones after
    // the works side by side, the other key's row).
    expect(seen.length).toBe(3);
    expect((await stored(t)).filter((id) => id !== 'x')).toEqual(['a', 'b', 'c']);
    expect(seen[1] ?? 0).toBeGreaterThan(seen[0] ?? 0);
    expect(seen[2] ?? 0).toBeGreaterThan(seen[1] ?? 0);
  });

  /** A write that sleeps 0.2 s on the server first, recording when it started; `key` as named. */
  const sleepingPut = (t: string, id: string, key: WriteKey, startedAt: Map<string, number>) =>
    suite.dialect.writeTransaction(async (db: Kysely<Database>) => {
      startedAt.set(id, performance.now());
      await sql`select pg_sleep(0.2)`.execute(db);
      await insert(db, t, id);
      const { rows } = await sql<{ xid: string }>`select txid_current()::text as xid`.execute(db);
      return rows[0]?.xid;
    }, key);

  it('runs works naming different parts of one key side by side, a part taken twice apart (ADR 053)', async () => {
    const t = await freshTable();
    const before = stats();
    const startedAt = new Map<string, number>();
    const part = (id: string) => ({ key: 'model m', part: id });
    const xids = await Promise.all([
      sleepingPut(t, 'v1', part('v1'), startedAt),
      sleepingPut(t, 'v2', part('v2'), startedAt),
      sleepingPut(t, 'v3', part('v3'), startedAt),
      sleepingPut(t, 'v2 again', part('v2'), startedAt),
      sleepingPut(t, 'whole', 'model m', startedAt),
    ]);
    expect(new Set(xids).size).toBe(1);
    const at = (id: string) => startedAt.get(id) ?? Number.NaN;
    // v1, v2 and v3 start together; the server runs their sleeps one after another (0.6 s).
    expect(at('v3') - at('v1')).toBeLessThan(150);
    // The same part again, and the whole key, follow in savepoints, one after the other.
    expect(at('v2 again') - at('v1')).toBeGreaterThanOrEqual(550);
    expect(at('whole') - at('v2 again')).toBeGreaterThanOrEqual(180);
    expect(await stored(t)).toEqual(['v1', 'v2', 'v3', 'v2 again', 'whole']);
    expect(since(before)).toEqual({ runAgain: 0, transactions: 1 });
  });

  it('runs a part asked for after the whole key behind it, though another part ran beside', async () => {
    const t = await freshTable();
    const startedAt = new Map<string, number>();
    const part = (id: string) => ({ key: 'model p', part: id });
    await Promise.all([
      sleepingPut(t, 'v1', part('v1'), startedAt),
      sleepingPut(t, 'whole', 'model p', startedAt),
      sleepingPut(t, 'v2', part('v2'), startedAt),
    ]);
    const at = (id: string) => startedAt.get(id) ?? Number.NaN;
    // v2 is a part not taken yet, but it was asked for after the whole key: it keeps its place.
    expect(at('whole') - at('v1')).toBeGreaterThanOrEqual(180);
    expect(at('v2') - at('whole')).toBeGreaterThanOrEqual(180);
    expect(await stored(t)).toEqual(['v1', 'whole', 'v2']);
  });

  it('runs parts of a key asked for after the whole key one after another, in order', async () => {
    const t = await freshTable();
    const startedAt = new Map<string, number>();
    const part = (id: string) => ({ key: 'model n', part: id });
    await Promise.all([
      sleepingPut(t, 'whole', 'model n', startedAt),
      sleepingPut(t, 'v1', part('v1'), startedAt),
      sleepingPut(t, 'v2', part('v2'), startedAt),
    ]);
    const at = (id: string) => startedAt.get(id) ?? Number.NaN;
    expect(at('v1') - at('whole')).toBeGreaterThanOrEqual(180);
    expect(at('v2') - at('v1')).toBeGreaterThanOrEqual(180);
    expect(await stored(t)).toEqual(['whole', 'v1', 'v2']);
  });

  it('rolls back a transaction where one work side by side throws, and runs every work again', async () => {
    runs = new Map();
    const t = await freshTable();
    const before = stats();
    const settled = await Promise.allSettled([
      put(t, 'a'),
      suite.dialect.writeTransaction(async (db) => {
        ran('b');
        await insert(db, t, 'b');
        throw new Error('refused after writing');
      }, 'model b'),
      put(t, 'c'),
      // A later write of a's model and a write naming none: they would have followed in
      // savepoints, and run once, after the rollback, in the order asked.
      put(t, 'a2', 'model a'),
      put(t, 'u', null),
    ]);
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toContain('refused after writing');
    // Nothing of b's; a and c once each, though each ran twice, then the others in queue order.
    expect(await stored(t)).toEqual(['a', 'c', 'a2', 'u']);
    expect([runs.get('a'), runs.get('b'), runs.get('c'), runs.get('a2'), runs.get('u')]).toEqual([
      2, 2, 2, 1, 1,
    ]);
    expect(since(before)).toEqual({ runAgain: 3, transactions: 2 });
  });

  it('runs every work again when one swallowed its statement error (the transaction aborted)', async () => {
    runs = new Map();
    const t = await freshTable();
    await put(t, 'taken');
    const before = stats();
    const settled = await Promise.allSettled([
      put(t, 'a'),
      suite.dialect.writeTransaction(async (db) => {
        ran('b');
        await insert(db, t, 'b');
        await insert(db, t, 'taken').catch(() => undefined);
        return 'swallowed';
      }, 'model b'),
      put(t, 'c'),
    ]);
    // As in a batch of savepoints: the work that swallowed its error fails alone.
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await stored(t)).sort()).toEqual(['a', 'c', 'taken']);
    expect([runs.get('a'), runs.get('b'), runs.get('c')]).toEqual([2, 2, 2]);
    expect(since(before).runAgain).toBe(3);
  });

  it('fails every work, running none again, when the COMMIT fails after they ended whole', async () => {
    runs = new Map();
    const t = `sbs_deferred_${Date.now()}`;
    // A unique constraint checked at COMMIT: both inserts pass, the COMMIT refuses.
    await sql
      .raw(
        `create table ${t} (id text, k text, n serial, unique (k) deferrable initially deferred)`,
      )
      .execute(suite.dialect.db);
    const clash = (id: string) =>
      suite.dialect.writeTransaction(async (db) => {
        ran(id);
        await sql`insert into ${sql.table(t)} (id, k) values (${id}, 'same')`.execute(db);
      }, `model ${id}`);
    const before = stats();
    const settled = await Promise.allSettled([clash('a'), clash('b')]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(String((settled[0] as PromiseRejectedResult).reason)).toContain('duplicate key');
    expect([runs.get('a'), runs.get('b')]).toEqual([1, 1]);
    const { rows } = await sql<{
      n: string;
    }>`select count(*)::text as n from ${sql.table(t)}`.execute(suite.dialect.db);
    expect(rows[0]?.n).toBe('0');
    expect(since(before).runAgain).toBe(0);
  });

  it('runs works with no key after the ones side by side, each in its savepoint', async () => {
    runs = new Map();
    const t = await freshTable();
    await put(t, 'taken');
    const before = stats();
    const settled = await Promise.allSettled([
      put(t, 'u1', null),
      put(t, 'a'),
      suite.dialect.writeTransaction(async (db) => {
        await insert(db, t, 'u2');
        await insert(db, t, 'taken');
      }),
      put(t, 'b'),
      put(t, 'u3', null),
    ]);
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const xids = settled.flatMap((s) => (s.status === 'fulfilled' && s.value ? [s.value] : []));
    expect(new Set(xids).size).toBe(1);
    // The works side by side first; then the others in the order asked, the failing one alone.
    expect(await stored(t)).toEqual(['taken', 'a', 'b', 'u1', 'u3']);
    expect([runs.get('a'), runs.get('u1')]).toEqual([1, 1]);
    expect(since(before)).toEqual({ runAgain: 0, transactions: 1 });
  });

  it('runs every work again when one ends with its statement still unanswered', async () => {
    runs = new Map();
    const t = await freshTable();
    const before = stats();
    let straggler: Promise<unknown> | undefined;
    const settled = await Promise.allSettled([
      put(t, 'a'),
      suite.dialect.writeTransaction(async (db) => {
        ran('b');
        await insert(db, t, 'b');
        // Sent and not awaited: the work returns while the server still sleeps on it.
        straggler = sql`select pg_sleep(0.2)`.execute(db);
        straggler.catch(() => undefined);
        await new Promise((resolve) => setImmediate(resolve));
      }, 'model b'),
    ]);
    await straggler?.catch(() => undefined);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled']);
    expect((await stored(t)).sort()).toEqual(['a', 'b']);
    expect([runs.get('a'), runs.get('b')]).toEqual([2, 2]);
    expect(since(before).runAgain).toBe(2);
  });
});
