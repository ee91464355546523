/**
 * Queries compiled once and run with new values (src/store/prepared-query.ts), on each engine's
 * real database: every call binds its own values in their places, constants of the query stay,
 * a parameter the query does not bind is refused, and transactions reuse the template. A locking
 * query (ADR 033) carries its engine's row lock: on PostgreSQL another transaction cannot take
 * the row it read until it ends.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { preparedLockingQuery, preparedQuery } from '../../src/store/prepared-query.js';
import { eachEngine } from './engines.js';
import { insertTeamModels, unique } from './fixtures.js';

eachEngine('preparedQuery', (engine) => {
  const named = preparedQuery((db, p: { name: string; team: string }) =>
    db
      .selectFrom('models')
      .select(['name', 'owner_team'])
      .where('owner_team', '=', p.team)
      .where('risk_tier', '=', 'low')
      .where('name', '>=', p.name)
      .orderBy('name')
      .limit(2),
  );

  async function seed() {
    await engine.openStore(); // migrates this file's database
    const dialect = engine.openDialect();
    const { team } = await insertTeamModels(
      dialect.db,
      ['a', 'b', 'c', 'd'].map((suffix, i) => ({ suffix, riskTier: i === 2 ? 'high' : 'low' })),
    );
    return { dialect, team };
  }

  it('binds each call’s values in their places and keeps the query’s constants', async () => {
    const { dialect, team } = await seed();
    const first = await named(dialect.db, { name: `${team}-a`, team });
    expect(first.map((r) => r.name)).toStrictEqual([`${team}-a`, `${team}-b`]);
    // The same template with other values: 'c' is 'high', so the constant still filters it out.
    const second = await named(dialect.db, { name: `${team}-b`, team });
    expect(second.map((r) => r.name)).toStrictEqual([`${team}-b`, `${team}-d`]);
    expect(await named(dialect.db, { name: `${team}-a`, team: unique('other') })).toStrictEqual([]);
  });

  it('runs inside a transaction and sees its uncommitted rows', async () => {
    const { dialect, team } = await seed();
    const seen = await dialect.writeTransaction(async (trx) => {
      await trx.deleteFrom('models').where('name', '=', `${team}-a`).execute();
      return named(trx, { name: `${team}-a`, team });
    });
    expect(seen.map((r) => r.name)).toStrictEqual([`${team}-b`, `${team}-d`]);
  });

  it('refuses a parameter the query does not bind', async () => {
    const { dialect } = await seed();
    const unbound = preparedQuery((db, _p: { name: string }) =>
      db.selectFrom('models').select('name').where('name', '=', 'fixed'),
    );
    await expect(unbound(dialect.db, { name: 'x' })).rejects.toThrow(
      /Prepared query parameter name is not bound/,
    );
  });

  it('refuses a call whose parameters are not the ones its template was compiled with', async () => {
    const { dialect, team } = await seed();
    // An optional parameter: left out of the first call, its later values would have no place.
    const maybeTier = preparedQuery((db, p: { team: string; tier?: string }) =>
      db
        .selectFrom('models')
        .select('name')
        .where('owner_team', '=', p.team)
        .$if(p.tier !== undefined, (q) => q.where('risk_tier', '=', p.tier as string)),
    );
    expect(await maybeTier(dialect.db, { team })).toHaveLength(4);
    await expect(maybeTier(dialect.db, { team, tier: 'high' })).rejects.toThrow(
      /Prepared query called with parameters team, tier; it was compiled with team/,
    );
  });

  const lockedModel = preparedLockingQuery((db, p: { name: string }, lock) =>
    lock(db.selectFrom('models').select(['name', 'owner_team']).where('name', '=', p.name)),
  );

  it('locks the rows a locking query reads until its transaction ends (PostgreSQL)', async () => {
    const { dialect, team } = await seed();
    const name = `${team}-a`;
    const other = engine.openDialect();
    let seenInside: unknown[] = [];
    let otherOutcome = 'not tried';
    await dialect.writeTransaction(async (trx) => {
      seenInside = await lockedModel({ db: trx, dialect }, { name });
      if (engine.name !== 'postgres') return;
      // Another connection asks for the same row's lock without waiting.
      otherOutcome = await other.db
        .connection()
        .execute(async (conn) => {
          await sql`begin`.execute(conn);
          try {
            await sql`select name from models where name = ${name} for update nowait`.execute(conn);
            return 'locked it';
          } finally {
            await sql`rollback`.execute(conn);
          }
        })
        .catch((error: { code?: string }) => `refused ${error.code}`);
    });
    expect(seenInside).toStrictEqual([{ name, owner_team: team }]);
    // 55P03: lock_not_available. SQLite has no row locks; its one writer already serialises.
    expect(otherOutcome).toBe(engine.name === 'postgres' ? 'refused 55P03' : 'not tried');
    // The same template again, outside any transaction of its own, with another value.
    expect(await lockedModel({ db: dialect.db, dialect }, { name: `${team}-b` })).toStrictEqual([
      { name: `${team}-b`, owner_team: team },
    ]);
  });
});
