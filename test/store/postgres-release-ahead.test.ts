/**
 * A write transaction on PostgreSQL sends its opening (BEGIN, the write lock, the first savepoint)
 * without waiting for it, its first statements behind it; a transaction whose opening fails commits
 * nothing and acknowledges nothing (ADR 049, session 22).
 *
 * Group commit on PostgreSQL sends a work's RELEASE ahead of the next work's statements when the
 * work ended whole — every statement it sent answered, none failed, as its connection counted
 * them (ADR 049, session 22) — and waits for the RELEASE otherwise. Whatever happens to a RELEASE
 * sent ahead, no write is acknowledged that did not commit: a refused one fails the whole batch.
 * A work that caught its own statement's error, or left one in flight, still fails alone (session
 * 21's first attempt sent those ahead too, trusting pg's stale transaction status, and failed
 * their innocent neighbours).
 */
import { CompiledQuery, type Kysely, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { postgresDialect } from '../../src/store/dialects/postgres-dialect.js';
import type { StoreDialect } from '../../src/store/dialects/store-dialect.js';
import { preparedQuery } from '../../src/store/prepared-query.js';
import type { Database } from '../../src/store/schema.js';
import { postgresForSuite } from './engines.js';
import { postgresSuite, scratchTables } from './scratch-tables.js';

const title = 'RELEASE sent ahead in group commit on PostgreSQL';

/** A compiled-once statement, sent as a named statement. */
const echo = preparedQuery((db, p: { id: string }) =>
  db.selectNoFrom(sql<string>`cast(${p.id} as text)`.as('echoed')),
);
const releaseAndBegin = 'release savepoint grouped_write; savepoint grouped_write';

describe.runIf(postgresForSuite(title))(title, () => {
  const suite = postgresSuite();

  const { freshTable, insert, stored } = scratchTables(() => suite.dialect, 'ra');
  const put = (t: string, id: string) => suite.dialect.writeTransaction((db) => insert(db, t, id));

  /**
   * The simple-protocol texts as written to the socket and as answered (ReadyForQuery), in the
   * order it happened, while `run` runs.
   */
  async function wireOrder(run: () => Promise<unknown>): Promise<string[]> {
    const events: string[] = [];
    const write = pg.Connection.prototype.query;
    const sent = vi.spyOn(pg.Connection.prototype, 'query').mockImplementation(function (
      this: pg.Connection,
      text: string,
    ) {
      events.push(`sent ${text}`);
      write.call(this, text);
    });
    // pg's Query is told its ReadyForQuery once its answer is complete.
    const queryClass = pg.Query as unknown as {
      prototype: { handleReadyForQuery(this: { text?: string }, ...args: unknown[]): void };
    };
    const ready = queryClass.prototype.handleReadyForQuery;
    const answered = vi
      .spyOn(queryClass.prototype, 'handleReadyForQuery')
      .mockImplementation(function (this: { text?: string }, ...args: unknown[]) {
        events.push(`answered ${this.text}`);
        ready.apply(this, args);
      });
    try {
      await run();
    } finally {
      sent.mockRestore();
      answered.mockRestore();
    }
    return events;
  }

  it('sends a whole work’s RELEASE before it is answered, ahead of the next work’s first statement', async () => {
    const events = await wireOrder(() =>
      Promise.all([
        suite.dialect.writeTransaction(async (db) => sql`select 1 as first_work`.execute(db)),
        suite.dialect.writeTransaction(async (db) => sql`select 2 as second_work`.execute(db)),
      ]),
    );
    const at = (event: string) => events.indexOf(event);
    expect(at(`sent ${releaseAndBegin}`)).toBeGreaterThan(at('answered select 1 as first_work'));
    // Ahead: the second work's statement was written before the RELEASE was answered.
    expect(at('sent select 2 as second_work')).toBeGreaterThan(-1);
    expect(at('sent select 2 as second_work')).toBeLessThan(at(`answered ${releaseAndBegin}`));
  });

  it('waits for the RELEASE of a work that caught its statement’s error, and fails that work alone', async () => {
    const t = await freshTable();
    await put(t, 'taken');
    // Many batches, each with a swallowing work amid innocent ones: none of the innocent fails.
    for (let round = 0; round < 25; round++) {
      const settled = await Promise.allSettled([
        put(t, `a${round}`),
        suite.dialect.writeTransaction(async (db) => {
          await insert(db, t, `b${round}`);
          await insert(db, t, 'taken').catch(() => undefined);
          return 'swallowed';
        }),
        put(t, `c${round}`),
        put(t, `d${round}`),
      ]);
      expect(settled.map((s) => s.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      expect(String((settled[1] as PromiseRejectedResult).reason)).toContain('duplicate key');
    }
    const rows = await stored(t);
    expect(rows.filter((id) => id.startsWith('b'))).toEqual([]);
    expect(rows).toHaveLength(1 + 25 * 3);
  });

  it('waits for the RELEASE of a work that left a statement in flight, which then failed', async () => {
    const t = await freshTable();
    await put(t, 'taken');
    const settled = await Promise.allSettled([
      put(t, 'a'),
      suite.dialect.writeTransaction(async (db) => {
        await insert(db, t, 'b');
        // Not awaited: still in flight when the work returns, and it fails after.
        const late = insert(db, t, 'taken');
        late.catch(() => undefined);
        return 'returned early';
      }),
      put(t, 'c'),
    ]);
    expect(settled[0]?.status).toBe('fulfilled');
    expect(settled[2]?.status).toBe('fulfilled');
    const rows = await stored(t);
    expect(rows).toContain('a');
    expect(rows).toContain('c');
    // Whatever the second work's outcome, it is the truth: committed if and only if acknowledged.
    expect(rows.includes('b')).toBe(settled[1]?.status === 'fulfilled');
  });

  it('waits for the RELEASE of a work that ended the transaction itself: nothing of its neighbours runs outside it (review)', async () => {
    const t = await freshTable();
    const settled = await Promise.allSettled([
      suite.dialect.writeTransaction((db) => insert(db, t, 'a')),
      suite.dialect.writeTransaction(async (db) => {
        await insert(db, t, 'b');
        // Compiled by hand, past the work's fence, which refuses a `rollback` built on its handle
        // (group-commit.ts, `TransactionControlInWork`).
        await db.executeQuery(CompiledQuery.raw('rollback'));
        return 'ended the transaction itself';
      }),
      // Innocent; its second statement fails. Sent behind a RELEASE outside any transaction, its
      // first would have committed on its own while its caller was told it failed.
      suite.dialect.writeTransaction(async (db) => {
        await insert(db, t, 'c1');
        await insert(db, t, 'c1');
      }),
      suite.dialect.writeTransaction((db) => insert(db, t, 'd')),
    ]);
    const rows = await stored(t);
    // Committed if and only if acknowledged, every one.
    for (const [k, id] of ['a', 'b', 'c1', 'd'].entries()) {
      expect(rows.includes(id), `row ${id}`).toBe(settled[k]?.status === 'fulfilled');
    }
    expect(String((settled[1] as PromiseRejectedResult).reason)).toContain('transaction block');
  });

  it('still sends ahead after a statement was refused before it was sent (review)', async () => {
    const events = await wireOrder(() =>
      Promise.allSettled([
        suite.dialect.writeTransaction(async (db) => {
          // Refused before it is sent (a NUL in text: checked-suite.dialect.ts), and caught.
          await sql`select ${'a\u0000b'}::text as refused`.execute(db).catch(() => undefined);
          return 'caught a refusal';
        }),
        suite.dialect.writeTransaction(async (db) => sql`select 2 as second_work`.execute(db)),
        suite.dialect.writeTransaction(async (db) => sql`select 3 as third_work`.execute(db)),
      ]),
    );
    const at = (event: string) => events.indexOf(event);
    const answeredReleases = events.flatMap((e, i) =>
      e === `answered ${releaseAndBegin}` ? [i] : [],
    );
    // The second work ended whole: the third's statement goes out before its RELEASE is answered.
    expect(at('sent select 3 as third_work')).toBeGreaterThan(-1);
    expect(at('sent select 3 as third_work')).toBeLessThan(answeredReleases.at(-1) ?? -1);
  });

  it('fails the whole batch, and acknowledges none of it, when a RELEASE sent ahead is refused', async () => {
    const t = await freshTable();
    // The second work releases the batch's savepoint itself and ends whole, so its RELEASE goes
    // ahead — and is refused (no such savepoint), aborting the transaction under the third work.
    const settled = await Promise.allSettled([
      suite.dialect.writeTransaction((db) => insert(db, t, 'a')),
      suite.dialect.writeTransaction(async (db: Kysely<Database>) => {
        await insert(db, t, 'b');
        // Past the work's fence, as above.
        await db.executeQuery(CompiledQuery.raw('release savepoint grouped_write'));
      }),
      suite.dialect.writeTransaction((db) => insert(db, t, 'c')),
      suite.dialect.writeTransaction((db) => insert(db, t, 'd')),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(await stored(t)).toEqual([]);
    // The work whose RELEASE was refused is told why; the others that the batch was lost, the
    // innocent work behind it included (review: it had been handed the refusal).
    const errors = settled.map((s) => String((s as PromiseRejectedResult).reason));
    expect(errors[1]).toContain('savepoint "grouped_write" does not exist');
    for (const k of [0, 2, 3]) expect(errors[k]).toContain('TransactionAborted');
    // The connection is whole for the next batch.
    await expect(
      Promise.all([put(t, 'after-1'), put(t, 'after-2'), put(t, 'after-3')]),
    ).resolves.toHaveLength(3);
    expect(await stored(t)).toEqual(['after-1', 'after-2', 'after-3']);
  });

  it('sends a transaction’s first statement before its opening is answered', async () => {
    const events = await wireOrder(() =>
      suite.dialect.writeTransaction(async (db) => sql`select 1 as lone_first`.execute(db)),
    );
    const opening = events.findIndex((e) => e.startsWith('answered start transaction'));
    expect(opening).toBeGreaterThan(-1);
    expect(events.indexOf('sent select 1 as lone_first')).toBeGreaterThan(-1);
    expect(events.indexOf('sent select 1 as lone_first')).toBeLessThan(opening);
  });

  /**
   * `run` with a dialect of its own whose write connections give up a lock wait after 200 ms,
   * while the write lock is held by another session (until `run` releases it, or ends).
   */
  async function withWriteLockHeld(
    run: (timing: StoreDialect, release: () => Promise<unknown>) => Promise<void>,
  ): Promise<void> {
    const url = new URL(suite.url);
    url.searchParams.set('options', '-c lock_timeout=200');
    const timing = postgresDialect({ url: url.toString() });
    const holder = new pg.Client({ connectionString: suite.url });
    await holder.connect();
    try {
      await holder.query('select pg_advisory_lock(7358214620151730017)');
      await run(timing, () => holder.query('select pg_advisory_unlock(7358214620151730017)'));
    } finally {
      await holder.end();
      await timing.destroy();
    }
  }

  it('commits and acknowledges nothing of a transaction whose opening failed', async () => {
    const t = await freshTable();
    // The write lock held elsewhere, and a lock timeout on the write connections: the opening's
    // lock fails, behind it every statement, on a connection that is whole again afterwards.
    await withWriteLockHeld(async (timing, release) => {
      const settled = await Promise.allSettled([
        timing.writeTransaction(async () => 'sent nothing'),
        timing.writeTransaction((db) => insert(db, t, 'a')),
        timing.writeTransaction(async (db) => {
          await insert(db, t, 'b').catch(() => undefined);
          return 'caught every refusal';
        }),
      ]);
      expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
      // Each caller is told the opening's error, a conflict to retry (review: all but the first
      // were told the batch was lost, because the batch's savepoint was never made).
      for (const s of settled) {
        const reason = (s as PromiseRejectedResult).reason;
        expect(String(reason)).toMatch(/lock timeout/);
        expect(timing.classifyError(reason)).toBe('concurrency');
      }
      await expect(timing.writeTransaction(async () => 'alone, sent nothing')).rejects.toThrow(
        /lock timeout/,
      );
      await expect(timing.writeTransaction((db) => insert(db, t, 'alone'))).rejects.toThrow(
        /lock timeout/,
      );
      expect(await stored(t)).toEqual([]);
      await release();
      await expect(
        Promise.all([
          timing.writeTransaction((db) => insert(db, t, 'after-1')),
          timing.writeTransaction((db) => insert(db, t, 'after-2')),
        ]),
      ).resolves.toHaveLength(2);
      expect(await stored(t)).toEqual(['after-1', 'after-2']);
    });
  });

  it('tells a lone write behind a failed opening the opening’s error, named statements too (review)', async () => {
    // A fresh connection: the compiled-once statement's Parse goes with its first use, is refused
    // behind the failed opening, and its second use then finds no such statement (26000).
    await withWriteLockHeld(async (timing) => {
      const error = await timing
        .writeTransaction((db) => Promise.all([echo(db, { id: 'a' }), echo(db, { id: 'b' })]))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(String(error)).toMatch(/lock timeout/);
      expect(timing.classifyError(error)).toBe('concurrency');
    });
  });
});
