/**
 * Group commit on the real PostgreSQL dialect (ADR 017): concurrent writes share one transaction,
 * each in a savepoint, a work's RELEASE and the next one's SAVEPOINT sent as one text. Attacked
 * where that can lie: a work that fails between two others, a work that swallows the error its
 * statement raised, more works than one batch holds. Each case starts its writes in one tick.
 */
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { watchStatements } from '../../src/store/dialects/checked-dialect.js';
import type { Database } from '../../src/store/schema.js';
import { postgresForSuite } from './engines.js';
import { postgresSuite, scratchTables } from './scratch-tables.js';

const title = 'group commit on PostgreSQL';

describe.runIf(postgresForSuite(title))(title, () => {
  const suite = postgresSuite();

  const { freshTable, insert, stored } = scratchTables(() => suite.dialect, 'gc');
  /** A write of one row, answering the id of the transaction it ran in. */
  const put = (t: string, id: string) =>
    suite.dialect.writeTransaction(async (db) => {
      await insert(db, t, id);
      const { rows } = await sql<{ xid: string }>`select txid_current()::text as xid`.execute(db);
      return rows[0]?.xid;
    });

  it('commits concurrent writes in one transaction, in the order they were asked for', async () => {
    const t = await freshTable();
    const xids = await Promise.all(['a', 'b', 'c', 'd'].map((id) => put(t, id)));
    expect(new Set(xids).size).toBe(1);
    expect(await stored(t)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('rolls back only a work that fails between two others, and the next work still commits', async () => {
    const t = await freshTable();
    await put(t, 'taken');
    const settled = await Promise.allSettled([
      put(t, 'a'),
      suite.dialect.writeTransaction(async (db) => {
        await insert(db, t, 'b');
        await insert(db, t, 'taken');
      }),
      put(t, 'c'),
      suite.dialect.writeTransaction(() => Promise.reject(new Error('refused'))),
      put(t, 'e'),
    ]);
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toContain('duplicate key');
    expect(await stored(t)).toEqual(['taken', 'a', 'c', 'e']);
  });

  it('fails alone a work that swallowed its statement error, instead of the whole batch', async () => {
    const t = await freshTable();
    await put(t, 'taken');
    const settled = await Promise.allSettled([
      put(t, 'a'),
      suite.dialect.writeTransaction(async (db) => {
        await insert(db, t, 'b');
        await insert(db, t, 'taken').catch(() => undefined);
        return 'swallowed';
      }),
      put(t, 'c'),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await stored(t)).toEqual(['taken', 'a', 'c']);
  });

  it('refuses, and keeps out of the commit, statements a failed work issued and did not await', async () => {
    const t = await freshTable();
    let chainOutcome: unknown;
    const settled = await Promise.allSettled([
      suite.dialect.writeTransaction((db) => insert(db, t, 'a')),
      suite.dialect.writeTransaction(async (db) => {
        // Three statements one after another, which the work does not wait for: it fails first.
        const chain = (async () => {
          await insert(db, t, 'stray-1');
          await insert(db, t, 'stray-2');
          await insert(db, t, 'stray-3');
        })().then(
          () => 'ran',
          (error: Error) => error.name,
        );
        void chain.then((outcome) => {
          chainOutcome = outcome;
        });
        await Promise.all([chain, Promise.reject(new Error('refused'))]);
      }),
      suite.dialect.writeTransaction((db) => insert(db, t, 'c')),
    ]);
    expect(settled.map((s) => s.status)).toStrictEqual(['fulfilled', 'rejected', 'fulfilled']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { rows } = await sql<{ id: string }>`select id from ${sql.table(t)} order by n`.execute(
      suite.dialect.db,
    );
    expect(rows.map((r) => r.id)).toStrictEqual(['a', 'c']);
    expect(chainOutcome).toBe('StatementAfterItsWork');
  });

  it('splits more writes than a batch holds into a few transactions, every one committed', async () => {
    const t = await freshTable();
    const ids = Array.from({ length: 100 }, (_, k) => `v${k}`);
    const xids = await Promise.all(ids.map((id) => put(t, id)));
    expect(new Set(xids).size).toBeGreaterThan(1);
    expect(new Set(xids).size).toBeLessThan(10);
    expect(await stored(t)).toEqual(ids);
  });

  // A pg statement ends on socket I/O, so a work can only return in a statement's completion turn
  // by awaiting its promise, which settles after the next waiter has taken the connection: the
  // sweep that puts statements past COMMIT on SQLite (group-commit-fence-order.test.ts) keeps the
  // order here, and the connection's check (ADR 045) refuses any that came late.
  it('sends every statement a work built before its end, lone or grouped, before RELEASE/COMMIT/ROLLBACK', async () => {
    const t = await freshTable();
    const outside: string[] = [];
    let n = 0;
    for (const awaitFirst of [false, true])
      for (const fails of [false, true])
        for (const grouped of [false, true])
          for (let turns = 0; turns < 12; turns++) {
            const seen: string[] = [];
            const stop = watchStatements((s) => seen.push(s.startsWith('insert') ? 'INS' : s));
            const work = async (db: Kysely<Database>) => {
              const first = insert(db, t, `x${++n}`);
              for (let i = 0; i < 3; i++) void insert(db, t, `x${++n}`).catch(() => undefined);
              if (awaitFirst) await first;
              else void first.catch(() => undefined);
              for (let i = 0; i < turns; i++) await Promise.resolve();
              if (fails) throw new Error('fails');
            };
            const writes = [suite.dialect.writeTransaction(work)];
            if (grouped) writes.push(suite.dialect.writeTransaction(async () => undefined));
            await Promise.allSettled(writes);
            await new Promise((resolve) => setTimeout(resolve, 20));
            stop();
            const end = seen.findIndex((s) => /^(release|rollback|commit)/.test(s));
            if (seen.lastIndexOf('INS') > end)
              outside.push(`${awaitFirst}/${fails}/${grouped}/${turns}: ${seen.join(' | ')}`);
          }
    expect(outside).toEqual([]);
  }, 60_000);

  /** The texts `pg` was asked to send (one round trip each) while `run` ran. */
  async function roundTrips(run: () => Promise<unknown>): Promise<string[]> {
    const query = vi.spyOn(pg.Client.prototype, 'query');
    try {
      await run();
      return query.mock.calls.map((call) => {
        const first = call[0] as unknown;
        return typeof first === 'string' ? first : String((first as { text?: string }).text);
      });
    } finally {
      query.mockRestore();
    }
  }

  it('opens a batch in one round trip: BEGIN, the write lock and the first savepoint (ADR 029)', async () => {
    const t = await freshTable();
    await put(t, 'warm');
    const sent = await roundTrips(() =>
      Promise.all(
        ['a', 'b', 'c'].map((id) => suite.dialect.writeTransaction((db) => insert(db, t, id))),
      ),
    );
    // One opening, three inserts, two RELEASE + SAVEPOINT, the last RELEASE, COMMIT.
    expect(sent).toHaveLength(8);
    expect(sent[0]).toMatch(/^start transaction .*pg_advisory_xact_lock.*savepoint grouped_write$/);
    expect(await stored(t)).toEqual(['warm', 'a', 'b', 'c']);
  });

  it('opens a lone write in one round trip: BEGIN and the write lock (ADR 029)', async () => {
    const t = await freshTable();
    const sent = await roundTrips(() => put(t, 'a'));
    // The opening, the insert, txid_current(), COMMIT.
    expect(sent).toHaveLength(4);
    expect(await stored(t)).toEqual(['a']);
  });

  it('fails a lone write that swallowed its statement error: its COMMIT rolled back', async () => {
    const t = await freshTable();
    await put(t, 'taken');
    const lone = suite.dialect.writeTransaction(async (db) => {
      await insert(db, t, 'b');
      await insert(db, t, 'taken').catch(() => undefined);
      return 'swallowed';
    });
    await expect(lone).rejects.toThrow(/rolled back/);
    expect(await stored(t)).toEqual(['taken']);
  });
});
