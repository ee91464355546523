/**
 * The release board's read model on each engine: what it returns per model, its filters and
 * keyset pages, and that it costs the same number of statements for 2 models as for 12 (no query
 * per model or per request).
 */
import { type KyselyPlugin, sql } from 'kysely';
import { expect, it } from 'vitest';
import type { BoardQuery, Repositories, Store } from '../../src/app/shared/ports.js';
import { boardReadModel } from '../../src/store/read-models/board.js';
import { eachEngine } from './engines.js';
import { at, decision, draft, later, model, policy, request, unique, version } from './fixtures.js';

/** A model with a draft, a staging and a production version, a canary and an open request. */
async function seedModel(
  tx: Repositories,
  input: { team: string; name: string; failing: boolean },
) {
  const p = policy();
  await tx.policies.insert(p);
  const m = { ...model(p.digest, input.name), ownerTeam: input.team };
  await tx.models.insert(m);
  const [v1, v2, v3] = [version(m.name, '1'), version(m.name, '2'), version(m.name, '3')];
  await tx.versions.insert(v1, { ...draft(v1), state: 'production' });
  await tx.versions.insert(v2, { ...draft(v2), state: 'staging' });
  await tx.versions.insert(v3, draft(v3));
  await tx.serving.set({
    model: m.name,
    production: { version: '1', since: at },
    canary: { version: '2', traffic: 10, since: at },
  });
  const d = decision(v2, 'gates');
  if (input.failing) {
    d.gates.push({
      ...(d.gates[0] as (typeof d.gates)[number]),
      gateId: 'fairness',
      outcome: 'fail',
    });
  }
  await tx.decisions.insert(d);
  const open = request(v2, { to: 'production', from: 'staging', decisionId: d.id });
  await tx.requests.insert(open);
  await tx.requests.insert(request(v3, { status: 'executed' }));
  // An emergency whose review fell due at `later`: due by then, not before.
  const emergency = request(v1, {
    changeType: 'emergency',
    status: 'executed',
    reviewDueAt: later,
  });
  await tx.requests.insert(emergency);
  return { model: m, open, emergency };
}

function counting(): { plugin: KyselyPlugin; count: () => number } {
  let statements = 0;
  return {
    plugin: {
      transformQuery: (args) => {
        statements += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    },
    count: () => statements,
  };
}

eachEngine('release board read model', (engine) => {
  let store: Store;
  const query = (q: Partial<BoardQuery>): BoardQuery => ({ limit: 100, now: later, ...q });

  async function board(q: Partial<BoardQuery>) {
    const dialect = engine.openDialect();
    const counter = counting();
    const read = boardReadModel({ db: dialect.db.withPlugin(counter.plugin), dialect });
    const rows = await read(query(q));
    return { rows, statements: counter.count() };
  }

  it('lists each model with its versions, serving, open requests, decisions and reviews due', async () => {
    store = await engine.openStore();
    const team = unique('team');
    const name = unique('m');
    const seeded = await store.transaction((tx) => seedModel(tx, { team, name, failing: true }));
    const { rows } = await board({ team });
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row?.model).toStrictEqual(seeded.model);
    expect(row?.versions).toStrictEqual([
      { version: '1', state: 'production' },
      { version: '2', state: 'staging' },
      { version: '3', state: 'draft' },
    ]);
    expect(row?.serving.canary).toStrictEqual({ version: '2', traffic: 10, since: at });
    expect(row?.open.map((o) => o.request.id)).toStrictEqual([seeded.open.id]);
    expect(row?.open[0]?.decision?.gates.map((g) => [g.gateId, g.outcome])).toStrictEqual([
      ['auc', 'pass'],
      ['fairness', 'fail'],
    ]);
    expect(row?.reviewsDue.map((r) => r.id)).toStrictEqual([seeded.emergency.id]);
    const before = await board({ team, now: at });
    expect(before.rows[0]?.reviewsDue).toStrictEqual([]);
  });

  it('filters by team, risk tier and a model list, and pages by name', async () => {
    const team = unique('team');
    const names = ['c', 'a', 'e', 'b', 'd'].map((n) => `${team}-${n}`);
    await store.transaction(async (tx) => {
      for (const name of names) await seedModel(tx, { team, name, failing: false });
    });
    const first = await board({ team, limit: 2 });
    expect(first.rows.map((r) => r.model.name)).toStrictEqual([`${team}-a`, `${team}-b`]);
    const second = await board({ team, limit: 2, after: `${team}-b` });
    expect(second.rows.map((r) => r.model.name)).toStrictEqual([`${team}-c`, `${team}-d`]);
    const some = await board({ team, models: [`${team}-e`, `${team}-a`] });
    expect(some.rows.map((r) => r.model.name)).toStrictEqual([`${team}-a`, `${team}-e`]);
    expect((await board({ team, models: [] })).rows).toStrictEqual([]);
    expect((await board({ team, riskTier: 'low' })).rows).toStrictEqual([]);
    expect((await board({ team, riskTier: 'regulated' })).rows).toHaveLength(5);
  });

  it('costs the same few statements for 2 models as for 12', async () => {
    const small = unique('team');
    const large = unique('team');
    await store.transaction(async (tx) => {
      for (let i = 0; i < 2; i += 1)
        await seedModel(tx, { team: small, name: unique('m'), failing: true });
      for (let i = 0; i < 12; i += 1)
        await seedModel(tx, { team: large, name: unique('m'), failing: true });
    });
    const two = await board({ team: small });
    const twelve = await board({ team: large });
    expect(two.rows).toHaveLength(2);
    expect(twelve.rows).toHaveLength(12);
    expect(twelve.statements).toBe(two.statements);
    expect(twelve.statements).toBeLessThanOrEqual(7);
  });

  it('reads a filtered page through the model indexes', async () => {
    const dialect = engine.openDialect();
    const page = sql`select * from models where owner_team = ${'x'} and name > ${''} order by name limit 10`;
    const plan = await dialect.db.transaction().execute(async (trx) => {
      // A small table may be cheaper to scan; with scans priced out, PostgreSQL shows which
      // index serves the query. SQLite's query plan names the index it searches.
      if (engine.name === 'postgres') {
        await sql`set local enable_seqscan = off`.execute(trx);
        return (await sql`explain ${page}`.execute(trx)).rows;
      }
      return (await sql`explain query plan ${page}`.execute(trx)).rows;
    });
    expect(JSON.stringify(plan)).toContain('models_by_team');
  });
});
