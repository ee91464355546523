/**
 * Write transactions on PostgreSQL run on pipelined connections (ADR 049): statements a work asks
 * for together are handed to the connection together, not one after another's answer, and the
 * guarantees of group commit hold for them: a work whose statement fails amid others sent with it
 * fails alone and none of its statements is committed, the others' works still commit, and
 * statements still in flight when a work throws are not committed either.
 */
import { Socket } from 'node:net';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { preparedQuery, shapedQuery } from '../../src/store/prepared-query.js';
import type { Database } from '../../src/store/schema.js';
import { postgresForSuite } from './engines.js';
import { postgresSuite, scratchTables } from './scratch-tables.js';

const title = 'pipelined write transactions on PostgreSQL';

/** A compiled-once read: sent as a named statement, its answer reaches its caller in fewer turns. */
const namedRead = preparedQuery((db, p: { name: string }) =>
  db.selectFrom('models').select('name').where('name', '=', p.name),
);

/**
 * An unnamed statement that fails, and a named one sent behind it (refused), awaited in the
 * other order: both answers arrive in one read from the socket.
 */
async function failureAwaitedAfterItsRefusal(db: Kysely<Database>): Promise<void> {
  const failing = sql`select 1 / ${0}::int as boom`.execute(db);
  failing.catch(() => undefined);
  const behind = namedRead(db, { name: 'y' });
  behind.catch(() => undefined);
  await behind;
  await failing;
}

describe.runIf(postgresForSuite(title))(title, () => {
  const suite = postgresSuite();

  const { freshTable, insert, stored } = scratchTables(() => suite.dialect, 'pw');

  it('writes statements asked for together to the socket before the first is answered', async () => {
    // pg writes a parameterless statement as one Query message when it sends it: at once in
    // pipeline mode, only after the previous answer otherwise.
    const written: Record<string, number> = {};
    const answered: Record<string, number> = {};
    const original = pg.Connection.prototype.query;
    const send = vi.spyOn(pg.Connection.prototype, 'query').mockImplementation(function (
      this: pg.Connection,
      text: string,
    ) {
      if (text.includes('as slow')) written.slow = performance.now();
      if (text.includes('as quick')) written.quick = performance.now();
      original.call(this, text);
    });
    try {
      await suite.dialect.writeTransaction(async (db) => {
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
      send.mockRestore();
    }
    expect(written.slow).toBeDefined();
    // Without pipelining the quick one would be written only once the slow one had run its
    // 300 ms on the server and been answered (through Kysely alone, only handed to pg then).
    expect((written.quick ?? Number.POSITIVE_INFINITY) - (written.slow ?? 0)).toBeLessThan(150);
    // The server still runs them in order: the quick one is answered after the slow one.
    expect(answered.quick ?? 0).toBeGreaterThanOrEqual(answered.slow ?? Number.POSITIVE_INFINITY);
  });

  it('sends the statements asked for in one turn in one socket write (session 24)', async () => {
    const t = await freshTable();
    let writes = 0;
    const count = () => {
      writes += 1;
    };
    // Every socket write of a stream goes through one of these two (Node's Writable).
    const original = { one: Socket.prototype._write, many: Socket.prototype._writev };
    const spies = [
      vi.spyOn(Socket.prototype, '_write').mockImplementation(function (
        this: Socket,
        ...args: Parameters<Socket['_write']>
      ) {
        count();
        original.one.apply(this, args);
      }),
      vi.spyOn(Socket.prototype, '_writev').mockImplementation(function (
        this: Socket,
        ...args: Parameters<NonNullable<Socket['_writev']>>
      ) {
        count();
        original.many?.apply(this, args);
      }),
    ];
    let together = -1;
    try {
      await suite.dialect.writeTransaction(async (db) => {
        await insert(db, t, 'first');
        writes = 0;
        // Five named and unnamed statements asked for together: pg alone writes each on its own.
        await Promise.all([
          insert(db, t, 'a'),
          namedRead(db, { name: 'a' }),
          insert(db, t, 'b'),
          sql`select 1 as one`.execute(db),
          insert(db, t, 'c'),
        ]);
        together = writes;
      });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(together).toBe(1);
    expect(await stored(t)).toEqual(['first', 'a', 'b', 'c']);
  });

  it('reports the error that aborted the transaction, not the refusal of a statement sent behind it', async () => {
    const t = await freshTable();
    await suite.dialect.writeTransaction((db) => insert(db, t, 'taken'));
    const refusal = (work: (db: Kysely<Database>) => Promise<unknown>) =>
      suite.dialect.writeTransaction(work).then(
        () => undefined,
        (error: unknown) => error,
      );
    // A statement started early fails; the one awaited first was sent behind it and refused.
    const early = await refusal(async (db) => {
      const duplicate = insert(db, t, 'taken');
      duplicate.catch(() => undefined);
      await sql`select 1`.execute(db);
      await duplicate;
    });
    expect(suite.dialect.classifyError(early)).toBe('unique_violation');
    expect(String(early)).toContain('duplicate key');
    // Listed first, a statement sent after a later one that failed is refused; the failure is
    // the one reported.
    const listed = await refusal(async (db) => {
      const composite = (async () => {
        await sql`select 1`.execute(db);
        await sql`select 2`.execute(db);
      })();
      composite.catch(() => undefined);
      const duplicate = insert(db, t, 'taken');
      duplicate.catch(() => undefined);
      await composite;
      await duplicate;
    });
    expect(suite.dialect.classifyError(listed)).toBe('unique_violation');
    expect(await stored(t)).toEqual(['taken']);
  });

  it('reports the aborting error for a refused named statement whose answer overtook it (review)', async () => {
    const codes: Record<string, number> = {};
    for (let i = 0; i < 100; i++) {
      const error = await suite.dialect.writeTransaction(failureAwaitedAfterItsRefusal).then(
        () => undefined,
        (e: unknown) => e,
      );
      const code = String((error as { code?: unknown } | undefined)?.code);
      codes[code] = (codes[code] ?? 0) + 1;
    }
    // Before: mostly 25P02, the refusal itself ("current transaction is aborted").
    expect(codes).toEqual({ '22012': 100 });
  });

  it('reports the aborting error for a new named statement sent twice into the aborted transaction (review)', async () => {
    const t = await freshTable();
    await suite.dialect.writeTransaction((db) => insert(db, t, 'taken'));
    // A text no connection has parsed yet: its first Parse goes out behind the failing insert.
    const fresh = shapedQuery((db, p: { ids: string[] }) =>
      db
        .selectFrom(sql.table(t).as('fresh'))
        .select(sql<string>`id`.as('id'))
        .where(sql.ref('id'), 'in', p.ids),
    );
    const seen: unknown[] = [];
    const error = await suite.dialect
      .writeTransaction(async (db) => {
        const duplicate = insert(db, t, 'taken');
        duplicate.catch(() => undefined);
        // Two runs of the same name in the same turn: the first carries the Parse (refused,
        // 25P02), the second went out without one (26000 from the server).
        const first = fresh(db, { ids: ['a', 'b'] });
        const second = fresh(db, { ids: ['c', 'd'] });
        for (const run of [first, second]) seen.push(await run.catch((e: unknown) => e));
        await duplicate;
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(suite.dialect.classifyError(error)).toBe('unique_violation');
    // Each run reports the insert's failure, never "prepared statement … does not exist".
    for (const refused of seen) {
      expect(suite.dialect.classifyError(refused)).toBe('unique_violation');
      expect(String(refused)).toContain('duplicate key');
    }
    // The session stayed usable: the same statement runs on the next write.
    expect(
      await suite.dialect.writeTransaction((db) => fresh(db, { ids: ['taken', 'x'] })),
    ).toEqual([{ id: 'taken' }]);
  });

  it('never hands a work the error of the neighbour rolled back before it (review)', async () => {
    const t = await freshTable();
    await suite.dialect.writeTransaction((db) => insert(db, t, 'taken'));
    const seen: Record<string, number> = {};
    for (let i = 0; i < 50; i++) {
      const [first, second] = await Promise.allSettled([
        suite.dialect.writeTransaction((db) => insert(db, t, 'taken')),
        suite.dialect.writeTransaction(failureAwaitedAfterItsRefusal),
      ]);
      expect(first.status).toBe('rejected');
      const error = (second as PromiseRejectedResult).reason as { code?: unknown };
      const key = `${String(error.code)}/${String(suite.dialect.classifyError(error))}`;
      seen[key] = (seen[key] ?? 0) + 1;
    }
    // Before: mostly the neighbour's duplicate key (23505, a unique violation).
    expect(seen).toEqual({ '22012/undefined': 50 });
  });

  it('fails alone a work whose statement fails amid others sent with it; nothing of it commits', async () => {
    const t = await freshTable();
    await suite.dialect.writeTransaction((db) => insert(db, t, 'taken'));
    const settled = await Promise.allSettled([
      suite.dialect.writeTransaction((db) => insert(db, t, 'a')),
      suite.dialect.writeTransaction(async (db) => {
        // Sent together: the first is accepted, the second violates the key, the third is sent
        // behind it and refused by the aborted savepoint.
        await Promise.all([insert(db, t, 'b1'), insert(db, t, 'taken'), insert(db, t, 'b3')]);
      }),
      suite.dialect.writeTransaction((db) => insert(db, t, 'c')),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toContain('duplicate key');
    expect(await stored(t)).toEqual(['taken', 'a', 'c']);
  });

  it('commits nothing a work left in flight when it threw', async () => {
    const t = await freshTable();
    const settled = await Promise.allSettled([
      suite.dialect.writeTransaction((db) => insert(db, t, 'before')),
      suite.dialect.writeTransaction(async (db) => {
        // Started and not awaited, as a read started early is when a refusal comes first.
        const inFlight = Promise.all([
          sql`select pg_sleep(0.05)`.execute(db),
          insert(db, t, 'in-flight'),
        ]);
        inFlight.catch(() => undefined);
        throw new Error('refused first');
      }),
      suite.dialect.writeTransaction((db) => insert(db, t, 'after')),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toContain('refused first');
    expect(await stored(t)).toEqual(['before', 'after']);
  });

  it('keeps a lone work’s pipelined statements in its transaction when one fails', async () => {
    const t = await freshTable();
    await suite.dialect.writeTransaction((db) => insert(db, t, 'taken'));
    await expect(
      suite.dialect.writeTransaction(async (db) => {
        await Promise.all([insert(db, t, 'x1'), insert(db, t, 'taken'), insert(db, t, 'x3')]);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await stored(t)).toEqual(['taken']);
  });
});
