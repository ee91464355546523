/**
 * Queries compiled once per shape of their call (`shapedQuery`, src/store/prepared-query.ts), on
 * each engine's real database: lists of any length bind each item in its place, an optional
 * parameter left out or null picks its own template, a multi-row insert writes every row whatever
 * the order of its keys, calls past the template bound still answer, and a value the query does
 * not bind is refused. Every answer is checked against the seeded rows, not against another run
 * of the same code.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { shapedQuery } from '../../src/store/prepared-query.js';
import { eachEngine } from './engines.js';
import { insertTeamModels, unique } from './fixtures.js';

eachEngine('shapedQuery', (engine) => {
  const tiers = ['low', 'medium', 'high', 'low', 'medium', 'high'];

  async function seed() {
    await engine.openStore(); // migrates this file's database
    const dialect = engine.openDialect();
    const { team, digest } = await insertTeamModels(
      dialect.db,
      tiers.map((riskTier, i) => ({
        suffix: String(i),
        riskTier,
        description: i % 2 === 0 ? null : `described ${i}`,
      })),
    );
    return { dialect, team, digest };
  }

  const namesOfTeam = shapedQuery(
    (
      db,
      p: {
        team: string;
        names: readonly string[] | undefined;
        description: string | null | undefined;
      },
    ) => {
      let query = db.selectFrom('models').select('name').where('owner_team', '=', p.team);
      if (p.names !== undefined) query = query.where('name', 'in', p.names);
      if (p.description === null) query = query.where('description', 'is', null);
      else if (p.description !== undefined) query = query.where('description', '=', p.description);
      return query.orderBy('name');
    },
  );

  it('binds every item of a list, whatever its length, in its place', async () => {
    const { dialect, team } = await seed();
    const at = (...i: number[]) => i.map((n) => `${team}-${n}`);
    for (const wanted of [at(1), at(0, 5), at(2, 3, 4), at(0, 1, 2, 3, 4, 5), at(4)]) {
      const rows = await namesOfTeam(dialect.db, {
        team,
        names: [...wanted, unique('absent')],
        description: undefined,
      });
      expect(rows.map((r) => r.name)).toStrictEqual(wanted);
    }
  });

  it('takes a template of its own for a parameter left out, and for one that is null', async () => {
    const { dialect, team } = await seed();
    const all = await namesOfTeam(dialect.db, { team, names: undefined, description: undefined });
    expect(all.map((r) => r.name)).toStrictEqual(tiers.map((_, i) => `${team}-${i}`));
    const undescribed = await namesOfTeam(dialect.db, {
      team,
      names: undefined,
      description: null,
    });
    expect(undescribed.map((r) => r.name)).toStrictEqual([`${team}-0`, `${team}-2`, `${team}-4`]);
    const one = await namesOfTeam(dialect.db, {
      team,
      names: undefined,
      description: 'described 3',
    });
    expect(one.map((r) => r.name)).toStrictEqual([`${team}-3`]);
    // The null template again after the value's: each call still gets its own.
    const again = await namesOfTeam(dialect.db, { team, names: undefined, description: null });
    expect(again.map((r) => r.name)).toStrictEqual(undescribed.map((r) => r.name));
  });

  it('answers calls of more shapes than it keeps templates for', async () => {
    const { dialect, team } = await seed();
    // 40 lengths: past the 32 templates kept, each is built and compiled as Kysely does.
    for (let length = 1; length <= 40; length++) {
      const names = Array.from({ length }, (_, i) => `${team}-${i % tiers.length}`);
      const rows = await namesOfTeam(dialect.db, { team, names, description: undefined });
      expect(rows).toHaveLength(Math.min(length, tiers.length));
    }
  });

  const insertModels = shapedQuery(
    (
      db,
      p: {
        rows: {
          name: string;
          owner_team: string;
          risk_tier: string;
          policy_digest: string;
          created_at: string;
          created_by: string;
        }[];
      },
    ) => db.insertInto('models').values(p.rows),
  );

  it('writes every row of a multi-row insert, whatever the order of its keys', async () => {
    const { dialect, digest } = await seed();
    const team = unique('inserted');
    const row = (n: number) => ({
      name: `${team}-${n}`,
      owner_team: team,
      risk_tier: tiers[n % tiers.length] as string,
      policy_digest: digest,
      created_at: '2026-02-01T00:00:00.000Z',
      created_by: `by-${n}`,
    });
    await insertModels(dialect.db, { rows: [row(0)] });
    await insertModels(dialect.db, { rows: [row(1), row(2), row(3)] });
    // The same columns in another order: the values follow their keys, not their positions.
    const { created_by, name, ...rest } = row(4);
    await insertModels(dialect.db, { rows: [{ created_by, ...rest, name }] });
    await insertModels(dialect.db, { rows: [row(5), row(6), row(7)] });
    const stored = await dialect.db
      .selectFrom('models')
      .select(['name', 'risk_tier', 'created_by'])
      .where('owner_team', '=', team)
      .orderBy('name')
      .execute();
    expect(stored).toStrictEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((n) => ({
        name: `${team}-${n}`,
        risk_tier: tiers[n % tiers.length],
        created_by: `by-${n}`,
      })),
    );
  });

  it('runs inside a transaction and sees its uncommitted rows', async () => {
    const { dialect, team } = await seed();
    const seen = await dialect.writeTransaction(async (trx) => {
      await trx.deleteFrom('models').where('name', '=', `${team}-1`).execute();
      return namesOfTeam(trx, {
        team,
        names: [`${team}-1`, `${team}-3`],
        description: undefined,
      });
    });
    expect(seen.map((r) => r.name)).toStrictEqual([`${team}-3`]);
  });

  it('writes true and false into the text where Kysely does, each a shape of its own', async () => {
    const { dialect, team } = await seed();
    // `is true` / `is false`: Kysely writes the boolean into the SQL; a marker there would bind a
    // boolean after IS, which neither engine takes.
    const described = shapedQuery((db, p: { team: string; described: boolean }) =>
      db
        .selectFrom('models')
        .select('name')
        .where('owner_team', '=', p.team)
        .where(sql<boolean>`(description is not null)`, 'is', p.described)
        .orderBy('name'),
    );
    const odd = [`${team}-1`, `${team}-3`, `${team}-5`];
    const even = [`${team}-0`, `${team}-2`, `${team}-4`];
    for (const [flag, wanted] of [
      [true, odd],
      [false, even],
      [true, odd],
    ] as const) {
      const rows = await described(dialect.db, { team, described: flag });
      expect(rows.map((r) => r.name)).toStrictEqual(wanted);
    }
  });

  it('refuses an expression as a parameter, and a parameter made into text', async () => {
    const { dialect, team } = await seed();
    const byName = shapedQuery((db, p: { name: unknown }) =>
      db
        .selectFrom('models')
        .select('name')
        .where('name', '=', p.name as string),
    );
    await expect(byName(dialect.db, { name: sql`${team}` })).rejects.toThrow(
      /takes data as parameters, not Kysely expressions/,
    );
    const prefixed = shapedQuery((db, p: { prefix: string }) =>
      db.selectFrom('models').select('name').where('name', 'like', `${p.prefix}%`),
    );
    await expect(prefixed(dialect.db, { prefix: team })).rejects.toThrow(
      /parameter prefix was used as text/,
    );
  });

  it('refuses a value the query does not bind', async () => {
    const { dialect } = await seed();
    const unbound = shapedQuery((db, _p: { names: string[] }) =>
      db.selectFrom('models').select('name').where('name', '=', 'fixed'),
    );
    await expect(unbound(dialect.db, { names: ['x', 'y'] })).rejects.toThrow(
      /Shaped query parameter names\.0 is not bound/,
    );
  });
});
