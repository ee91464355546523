import { expect, it } from 'vitest';
import { nextNumber } from '../../src/app/mlflow/mlflow-writes.js';
import type { RequestRepository, Store } from '../../src/app/shared/ports.js';
import { ClearanceError } from '../../src/domain/index.js';
import {
  approval,
  at,
  decision,
  draft,
  evidence,
  later,
  model,
  policy,
  request,
  seedVersion,
  version,
} from './fixtures.js';
import { errorOf } from './store-contract.js';

function expectConflict(error: unknown, message: RegExp): void {
  expect(error).toBeInstanceOf(ClearanceError);
  expect((error as ClearanceError).code).toBe('conflict');
  expect((error as ClearanceError).message).toMatch(message);
}

/** MLflow's numbering as it read every name before `numberingNames`: the reference. */
function referenceNextNumber(names: readonly string[]): string {
  let highest = 0;
  for (const name of names) {
    const number = Number(name);
    if (Number.isInteger(number) && number > highest) highest = number;
  }
  return String(highest + 1);
}

/** Names a version may have that JavaScript's `Number` reads in every way it can. */
const numberingCases: readonly (readonly string[])[] = [
  [],
  ['1', '2', '10', '9'],
  ['007', '8'],
  ['v7', 'Infinity', 'abc', '_12', 'e5'],
  ['3', '1e3'],
  ['3', '0x1F', '0b101', '0o17'],
  ['+41', '-50', '5', '.5e1'],
  ['5.', '6.0', '1.2.3', '7.5'],
  ['999999999999999', '12'],
  ['1234567890123456', '99999999999999999999', '4'],
  ['0', '00', '-0'],
  ['1-2', '2+3', '4_5', '6.e1'],
  // An MLflow import keeps names as MLflow gives them: `Number` skips white space around them.
  [' 10', '3'],
  ['\t11', '\n12\n', '\r\n13\r\n'],
  ['\u00a014', '\ufeff15', '\u300016', '\u200917 ', '\u202818'],
  ['4e545', ' b', ' 64', '_7', 'Infinity', '+Infinity'],
  ['\u0661\u0660', '\uff11\uff10', '2'],
];

export function registryContract(store: () => Store): void {
  it('keeps the first policy stored under a digest', async () => {
    const p = policy();
    await store().transaction((tx) => tx.policies.insert(p));
    await store().transaction((tx) => tx.policies.insert({ ...p, text: 'changed' }));
    const got = await store().transaction((tx) => tx.policies.get(p.digest));
    expect(got).toStrictEqual(p);
    expect(await store().transaction((tx) => tx.policies.get('sha256:00'))).toBeUndefined();
  });

  it('stores, lists, locks and repoints models', async () => {
    const p1 = policy();
    const p2 = policy();
    const m = { ...model(p1.digest), description: 'probability of default' };
    await store().transaction(async (tx) => {
      await tx.policies.insert(p1);
      await tx.policies.insert(p2);
      await tx.models.insert(m);
    });
    expect(await store().transaction((tx) => tx.models.get(m.name))).toStrictEqual(m);
    const locked = await store().transaction((tx) => tx.models.get(m.name, { forUpdate: true }));
    expect(locked).toStrictEqual(m);
    await store().transaction((tx) => tx.models.setPolicy(m.name, p2.digest));
    const list = await store().transaction((tx) => tx.models.list());
    expect(list.find((x) => x.name === m.name)?.policyDigest).toBe(p2.digest);
    const names = list.map((x) => x.name);
    expect(names).toStrictEqual([...names].sort());
    expect(await store().transaction((tx) => tx.models.get('no-such-model'))).toBeUndefined();
  });

  it('refuses a second model with the same name as a conflict', async () => {
    const p = policy();
    const m = model(p.digest);
    await store().transaction(async (tx) => {
      await tx.policies.insert(p);
      await tx.models.insert(m);
    });
    const error = await errorOf(store().transaction((tx) => tx.models.insert(m)));
    expectConflict(error, new RegExp(`Model ${m.name} already exists`));
  });

  it('reports setPolicy on an unknown model as not_found', async () => {
    const error = await errorOf(store().transaction((tx) => tx.models.setPolicy('nope', 'x')));
    expect((error as ClearanceError).code).toBe('not_found');
  });

  it('stores versions with their current state', async () => {
    const { model: m, version: v } = await store().transaction(seedVersion);
    const v2 = { ...version(m.name), createdAt: later };
    await store().transaction((tx) => tx.versions.insert(v2, draft(v2)));
    const view = await store().transaction((tx) => tx.versions.get(m.name, v.version));
    expect(view).toStrictEqual({ ...v, state: 'draft', stateSince: at });
    await store().transaction((tx) =>
      tx.versions.setState({ ...draft(v), state: 'staging', requestId: 'req-1', since: later }),
    );
    const staged = await store().transaction((tx) => tx.versions.inState(m.name, 'staging'));
    expect(staged).toStrictEqual([{ ...v, state: 'staging', stateSince: later }]);
    const all = await store().transaction((tx) => tx.versions.list(m.name));
    expect(all.map((x) => x.version)).toStrictEqual([v.version, v2.version]);
    expect(await store().transaction((tx) => tx.versions.get(m.name, 'nope'))).toBeUndefined();
    const error = await errorOf(store().transaction((tx) => tx.versions.insert(v, draft(v))));
    expectConflict(error, /already exists/);
  });

  it('pages a model’s versions in registration order, after a given version', async () => {
    const { model: m, version: first } = await store().transaction(seedVersion);
    // Same instant for two versions: the version name breaks the tie.
    const stamps = [later, later, '2026-03-03T00:00:00.000Z', '2026-03-04T00:00:00.000Z'];
    const rest = stamps.map((createdAt, i) => ({ ...version(m.name, `v${i}`), createdAt }));
    await store().transaction(async (tx) => {
      for (const v of rest) await tx.versions.insert(v, draft(v));
    });
    const names = ['first', 'v0', 'v1', 'v2', 'v3'];
    const all = await store().readOne((tx) => tx.versions.list(m.name));
    expect(all.map((x) => (x.version === first.version ? 'first' : x.version))).toStrictEqual(
      names,
    );
    const page = (limit: number, after?: (typeof all)[number]) =>
      store().readOne((tx) => tx.versions.page(m.name, { limit, ...(after ? { after } : {}) }));
    expect((await page(2)).map((x) => x.version)).toStrictEqual([first.version, 'v0']);
    expect(await page(2, all[1])).toStrictEqual(all.slice(2, 4));
    expect(await page(10, all[3])).toStrictEqual(all.slice(4));
    expect(await page(10, all[4])).toStrictEqual([]);
    // Names alone, in no particular order: what MLflow's numbering reads.
    const stored = await store().readOne((tx) => tx.versions.names(m.name));
    expect([...stored].sort()).toStrictEqual([first.version, 'v0', 'v1', 'v2', 'v3'].sort());
    expect(await store().readOne((tx) => tx.versions.names('no-such-model'))).toStrictEqual([]);
  });

  it('keeps at most one production version per model', async () => {
    const { model: m, version: v1 } = await store().transaction(seedVersion);
    const v2 = version(m.name);
    await store().transaction((tx) => tx.versions.insert(v2, draft(v2)));
    await store().transaction((tx) => tx.versions.setState({ ...draft(v1), state: 'production' }));
    const error = await errorOf(
      store().transaction((tx) => tx.versions.setState({ ...draft(v2), state: 'production' })),
    );
    expectConflict(error, new RegExp(`Model ${m.name} already has .*production version`));
    await store().transaction(async (tx) => {
      await tx.versions.setState({ ...draft(v1), state: 'deprecated' });
      await tx.versions.setState({ ...draft(v2), state: 'production' });
    });
    const prod = await store().transaction((tx) => tx.versions.inState(m.name, 'production'));
    expect(prod.map((x) => x.version)).toStrictEqual([v2.version]);
  });

  it('lets exactly one of two concurrent promotions win', async () => {
    const { model: m, version: v1 } = await store().transaction(seedVersion);
    const v2 = version(m.name);
    await store().transaction((tx) => tx.versions.insert(v2, draft(v2)));
    const promote = (v: typeof v1) =>
      store().transaction(async (tx) => {
        await tx.models.get(m.name, { forUpdate: true });
        await new Promise((resolve) => setTimeout(resolve, 20));
        await tx.versions.setState({ ...draft(v), state: 'production' });
      });
    const results = await Promise.allSettled([promote(v1), promote(v2)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expectConflict((rejected as PromiseRejectedResult).reason, /already has/);
  });

  it('stores evidence immutably, listed by path', async () => {
    const { version: v } = await store().transaction(seedVersion);
    await store().transaction(async (tx) => {
      await tx.evidence.insert(evidence(v, 'z/predictions.csv'));
      await tx.evidence.insert(evidence(v, 'a/metrics.json'));
    });
    const list = await store().transaction((tx) => tx.evidence.list(v.model, v.version));
    expect(list).toStrictEqual([evidence(v, 'a/metrics.json'), evidence(v, 'z/predictions.csv')]);
    const error = await errorOf(
      store().transaction((tx) => tx.evidence.insert(evidence(v, 'a/metrics.json'))),
    );
    expectConflict(error, /already attached/);
  });

  it('reads a version beside the model’s versions in a state, as get and inState would', async () => {
    const { model: m, version: v } = await store().transaction(seedVersion);
    const v2 = { ...version(m.name), createdAt: later };
    const v3 = { ...version(m.name), createdAt: later };
    await store().transaction(async (tx) => {
      await tx.versions.insert(v2, { ...draft(v2), state: 'staging' });
      await tx.versions.insert(v3, { ...draft(v3), state: 'staging' });
    });
    for (const [name, state] of [
      [v.version, 'staging'],
      [v2.version, 'staging'],
      [v3.version, 'production'],
      ['nope', 'staging'],
    ] as const) {
      const beside = await store().transaction((tx) => tx.versions.getBeside(m.name, name, state));
      const apart = await store().transaction(async (tx) => ({
        version: await tx.versions.get(m.name, name),
        inState: await tx.versions.inState(m.name, state),
      }));
      expect(beside).toStrictEqual(apart);
    }
  });

  it('inserts several evidence records at once, all or none, and lists them by request', async () => {
    const { version: v } = await store().transaction(seedVersion);
    await store().transaction((tx) =>
      tx.evidence.insert(evidence(v, 'z/predictions.csv'), evidence(v, 'a/metrics.json')),
    );
    const error = await errorOf(
      store().transaction((tx) =>
        tx.evidence.insert(evidence(v, 'b/card.md'), evidence(v, 'a/metrics.json')),
      ),
    );
    expectConflict(error, /already attached/);
    const r = request(v);
    await store().transaction((tx) => tx.requests.insert(r));
    const listed = await store().readOne((tx) => tx.evidence.listOfRequest(r.id));
    expect(listed).toStrictEqual([evidence(v, 'a/metrics.json'), evidence(v, 'z/predictions.csv')]);
    expect(await store().readOne((tx) => tx.evidence.listOfRequest('nope'))).toStrictEqual([]);
  });

  it('stores, updates, locks and filters transition requests', async () => {
    const { version: v } = await store().transaction(seedVersion);
    const r1 = request(v, { ticket: 'RISK-1' });
    const r2 = request(v, { requestedAt: later, changeType: 'emergency' });
    await store().transaction(async (tx) => {
      await tx.requests.insert(r1);
      await tx.requests.insert(r2);
    });
    expect(await store().transaction((tx) => tx.requests.get(r1.id))).toStrictEqual(r1);
    const closed = {
      ...r2,
      status: 'executed' as const,
      decisionId: 'dec-1',
      closedAt: later,
      closedBy: 'carol',
      closeReason: 'all gates passed',
      bypassExpiresAt: '2026-03-05T11:30:00.125Z',
      reviewDueAt: '2026-03-07T11:30:00.125Z',
    };
    await store().transaction(async (tx) => {
      expect(await tx.requests.get(r2.id, { forUpdate: true })).toStrictEqual(r2);
      await tx.requests.update(closed);
    });
    expect(await store().transaction((tx) => tx.requests.get(r2.id))).toStrictEqual(closed);
    const list = (filter: Parameters<RequestRepository['list']>[0]) =>
      store().transaction((tx) => tx.requests.list(filter));
    expect(await list({ model: v.model })).toStrictEqual([r1, closed]);
    expect(await list({ model: v.model, status: ['pending'] })).toStrictEqual([r1]);
    expect(await list({ model: v.model, status: [] })).toStrictEqual([]);
    const missing = await errorOf(
      store().transaction((tx) => tx.requests.update({ ...r1, id: 'nope' })),
    );
    expect((missing as ClearanceError).code).toBe('not_found');
  });

  it('reads the model a request names by the request’s id, and nothing for an unknown request', async () => {
    const { model: m, version: v } = await store().transaction(seedVersion);
    const r = request(v);
    await store().transaction((tx) => tx.requests.insert(r));
    expect(await store().transaction((tx) => tx.models.getOfRequest(r.id))).toStrictEqual(m);
    // In a transaction, beside the request's locked read, as an approval asks for both; the
    // policy read with it is answered without another statement, the model by name too.
    await store().transaction(async (tx) => {
      const [model, locked] = await Promise.all([
        tx.models.getOfRequest(r.id),
        tx.requests.get(r.id, { forUpdate: true }),
      ]);
      expect(model).toStrictEqual(m);
      expect(locked).toStrictEqual(r);
      expect((await tx.policies.get(m.policyDigest))?.digest).toBe(m.policyDigest);
      expect(await tx.models.get(m.name)).toStrictEqual(m);
    });
    expect(await store().transaction((tx) => tx.models.getOfRequest('no-such-request'))).toBe(
      undefined,
    );
  });

  it('stores approvals in time order', async () => {
    const { version: v } = await store().transaction(seedVersion);
    const r = request(v);
    const late = approval(r.id, 'dave', later);
    const early = { ...approval(r.id, 'erin'), ticket: 'RISK-7' };
    await store().transaction(async (tx) => {
      await tx.requests.insert(r);
      await tx.approvals.insert(late);
      await tx.approvals.insert(early);
    });
    expect(await store().transaction((tx) => tx.approvals.list(r.id))).toStrictEqual([early, late]);
    expect(await store().transaction((tx) => tx.approvals.list('nope'))).toStrictEqual([]);
  });

  it('stores decision records whole and filters them', async () => {
    const { version: v } = await store().transaction(seedVersion);
    const gates = decision(v, 'gates');
    const transition = { ...decision(v, 'transition'), requestId: 'req-9', at: later };
    await store().transaction(async (tx) => {
      await tx.decisions.insert(gates);
      await tx.decisions.insert(transition);
    });
    expect(await store().transaction((tx) => tx.decisions.get(gates.id))).toStrictEqual(gates);
    const all = await store().transaction((tx) => tx.decisions.list({ model: v.model }));
    expect(all).toStrictEqual([gates, transition]);
    const kind = await store().transaction((tx) =>
      tx.decisions.list({ model: v.model, kind: 'transition' }),
    );
    expect(kind).toStrictEqual([transition]);
    expect(await store().transaction((tx) => tx.decisions.get('nope'))).toBeUndefined();
  });

  it('answers and replaces the serving view', async () => {
    const { model: m } = await store().transaction(seedVersion);
    expect(await store().transaction((tx) => tx.serving.get(m.name))).toStrictEqual({
      model: m.name,
    });
    const full = {
      model: m.name,
      production: { version: 'v1', since: at },
      canary: { version: 'v2', traffic: 0.05, since: later },
      rollbackTarget: { version: 'v0' },
    };
    await store().transaction((tx) => tx.serving.set(full));
    expect(await store().transaction((tx) => tx.serving.get(m.name))).toStrictEqual(full);
    const promoted = { model: m.name, production: { version: 'v2', since: later } };
    await store().transaction((tx) => tx.serving.set(promoted));
    expect(await store().transaction((tx) => tx.serving.get(m.name))).toStrictEqual(promoted);
  });

  it('reads a model with its serving view in one statement, and nothing for an unknown model', async () => {
    const { model: m } = await store().transaction(seedVersion);
    const ofModel = (name: string) => store().readOne((tx) => tx.serving.ofModel(name));
    expect(await ofModel(m.name)).toStrictEqual({ model: m.name });
    expect(await ofModel(`${m.name}-unknown`)).toBeUndefined();
    const full = {
      model: m.name,
      production: { version: 'v1', since: at },
      canary: { version: 'v2', traffic: 0.05, since: later },
      rollbackTarget: { version: 'v0' },
    };
    await store().transaction((tx) => tx.serving.set(full));
    expect(await ofModel(m.name)).toStrictEqual(full);
    // Inside a write transaction it sees that transaction's own change.
    const promoted = { model: m.name, production: { version: 'v2', since: later } };
    const seen = await store().transaction(async (tx) => {
      await tx.serving.set(promoted);
      return tx.serving.ofModel(m.name);
    });
    expect(seen).toStrictEqual(promoted);
    expect(await ofModel(m.name)).toStrictEqual(promoted);
  });

  it('numbers MLflow versions from the names it sends as it did from every name', async () => {
    const p = policy();
    const models = numberingCases.map(() => model(p.digest));
    await store().transaction(async (tx) => {
      await tx.policies.insert(p);
      for (const [k, names] of numberingCases.entries()) {
        const m = models[k];
        if (m === undefined) continue;
        await tx.models.insert(m);
        for (const name of names) {
          const v = version(m.name, name);
          await tx.versions.insert(v, draft(v));
        }
      }
    });
    for (const m of models) {
      const [all, numbering] = await store().read(
        async (tx) =>
          [await tx.versions.names(m.name), await tx.versions.numberingNames(m.name)] as const,
      );
      // Names led by a letter or "_" never reach the process; the rest decide the same number.
      expect(numbering.otherNumberLike.some((n) => /^[A-Za-z_]/.test(n))).toBe(false);
      expect(nextNumber(numbering)).toBe(referenceNextNumber(all));
    }
    expect(models.map((m) => m.name)).toHaveLength(numberingCases.length);
  });
}
