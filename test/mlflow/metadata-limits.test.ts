/**
 * How much MLflow metadata a model may hold (ADR 037), through the MLflow routes on every engine:
 * tags per registered model and per model version, plain aliases per model. A write that would
 * take one past its limit is INVALID_PARAMETER_VALUE (400, which MLflow's clients do not retry)
 * naming the model or version, the limit and its config key, and writes nothing; a write that
 * replaces (an existing key's value, an alias moved) works at the limit; writes racing for the
 * last slot take it once, on one server or two on one database. Deleting tags leaves no rows that
 * no tag needs.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import type { MlflowMetadataLimits } from '../../src/app/shared/app-deps.js';
import type { Repositories, Store } from '../../src/app/shared/ports.js';
import { forEachStore, type StoreHarness, setupModel } from '../app/harness.js';
import { testIdentity } from '../http/fixture.js';
import { serveHarness } from '../http/serve-harness.js';
import { secondStore } from '../http/two-servers.js';

const model = 'home-feed';
const limits: MlflowMetadataLimits = { tagsPerModel: 3, tagsPerVersion: 3, aliasesPerModel: 2 };
const api = '/api/2.0/mlflow';

const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

interface Served {
  h: StoreHarness;
  call(method: 'POST' | 'DELETE' | 'GET', path: string, payload?: object): Promise<Answer>;
  /** With `twoServers`: the same caller on a second server (its own store) on the database. */
  callOther(method: 'POST', path: string, payload: object): Promise<Answer>;
  admin(path: string, payload: object): Promise<Answer>;
  policyDigest: string;
}

interface Answer {
  status: number;
  body: { error_code?: string; message?: string } & Record<string, unknown>;
}

/** A turn of the timer queue, so every racing request gets as far as it can meanwhile. */
const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

/**
 * The store (one server's) with a pause after each read of a model's tags, a version's tag changes or a model's
 * aliases: racing writes that counted outside the model's lock would all count before any wrote.
 */
function widened(store: Store): Store {
  const slow = (tx: Repositories): Repositories => {
    const m = tx.metadata;
    const after =
      <A extends unknown[], R>(read: (...args: A) => Promise<R>) =>
      async (...args: A) => {
        const result = await read(...args);
        await pause();
        return result;
      };
    const metadata = Object.assign(Object.create(m) as typeof m, {
      modelTags: after(m.modelTags.bind(m)),
      versionTags: after(m.versionTags.bind(m)),
      aliases: after(m.aliases.bind(m)),
    });
    return Object.assign(Object.create(tx) as Repositories, { metadata });
  };
  return Object.assign(Object.create(store) as Store, {
    transaction: <T>(work: (tx: Repositories) => Promise<T>) =>
      store.transaction((tx) => work(slow(tx))),
    read: <T>(work: (tx: Repositories) => Promise<T>) => store.read((tx) => work(slow(tx))),
  });
}

forEachStore('MLflow metadata limits', (open) => {
  async function serve(options: { twoServers?: boolean } = {}): Promise<Served> {
    const h = await open();
    const policy = await setupModel(h, 'recommender', model, 'medium');
    const identity = testIdentity();
    const serverOn = (store: Store) => {
      const served = serveHarness(h, {
        directory: identity.directory,
        deps: { ...h.deps, store, mlflowLimits: limits },
      });
      closing.push(() => served.close());
      return served;
    };
    const a = serverOn(options.twoServers ? widened(h.deps.store) : h.deps.store);
    let b = a;
    if (options.twoServers) {
      const other = await secondStore(h);
      if (other !== h.store) closing.push(() => other.close());
      b = serverOn(widened(other));
    }
    const send = async (input: {
      server: FastifyInstance;
      authorization: string;
      method: string;
      path: string;
      payload?: object | undefined;
    }) => {
      const response = await input.server.inject({
        method: input.method as 'POST',
        url: `${api}${input.path}`,
        headers: { authorization: input.authorization },
        ...(input.payload === undefined ? {} : { payload: input.payload }),
      });
      return { status: response.statusCode, body: response.json() as Answer['body'] };
    };
    const ci = identity.bearer('ci', 'mlops');
    const admin = identity.bearer('root', 'admin');
    return {
      h,
      call: (method, path, payload) =>
        send({ server: a, authorization: ci, method, path, payload }),
      callOther: (method, path, payload) =>
        send({ server: b, authorization: ci, method, path, payload }),
      admin: (path, payload) =>
        send({ server: a, authorization: admin, method: 'POST', path, payload }),
      policyDigest: policy.digest,
    };
  }

  const auditSize = (h: StoreHarness) => h.deps.store.read((tx) => tx.audit.size());

  function expectLimitRefusal(answer: Answer, ...named: string[]) {
    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    for (const text of named) expect(answer.body.message).toContain(text);
  }

  async function modelTags(s: Served) {
    const got = await s.call('GET', `/registered-models/get?name=${model}`);
    const tags = (got.body.registered_model as { tags?: { key: string; value: string }[] }).tags;
    return (tags ?? []).filter((t) => !t.key.startsWith('clearance.'));
  }

  async function versionTags(s: Served, version: string) {
    const got = await s.call('GET', `/model-versions/get?name=${model}&version=${version}`);
    return (got.body.model_version as { tags?: { key: string; value: string }[] }).tags ?? [];
  }

  it("refuses a registered model's tag past the limit, naming it, and writes nothing", async () => {
    const s = await serve();
    for (const key of ['a', 'b', 'c'])
      expect(
        (await s.call('POST', '/registered-models/set-tag', { name: model, key, value: key }))
          .status,
      ).toBe(200);
    const before = await auditSize(s.h);
    const refused = await s.call('POST', '/registered-models/set-tag', {
      name: model,
      key: 'd',
      value: 'x',
    });
    expectLimitRefusal(
      refused,
      `Registered model ${model}`,
      'at most 3 tags',
      'maxTagsPerRegisteredModel',
    );
    expect(await auditSize(s.h)).toBe(before);
    // At the limit, an existing key's value is replaced; a deletion makes room for a new key.
    const replaced = await s.call('POST', '/registered-models/set-tag', {
      name: model,
      key: 'a',
      value: 'new',
    });
    expect(replaced.status).toBe(200);
    await s.call('DELETE', '/registered-models/delete-tag', { name: model, key: 'b' });
    expect(
      (await s.call('POST', '/registered-models/set-tag', { name: model, key: 'd', value: 'x' }))
        .status,
    ).toBe(200);
    expect(await modelTags(s)).toEqual([
      { key: 'a', value: 'new' },
      { key: 'c', value: 'c' },
      { key: 'd', value: 'x' },
    ]);
  });

  it("counts a version's registration tags and refuses one past the limit", async () => {
    const s = await serve();
    const created = await s.call('POST', '/model-versions/create', {
      name: model,
      source: 's3://models/1',
      tags: [{ key: 'dataset', value: 'q3' }],
    });
    expect(created.status).toBe(200);
    for (const key of ['b', 'c'])
      expect(
        (
          await s.call('POST', '/model-versions/set-tag', {
            name: model,
            version: '1',
            key,
            value: key,
          })
        ).status,
      ).toBe(200);
    const before = await auditSize(s.h);
    const refused = await s.call('POST', '/model-versions/set-tag', {
      name: model,
      version: '1',
      key: 'd',
      value: 'x',
    });
    expectLimitRefusal(
      refused,
      `Model version (name=${model}, version=1)`,
      'at most 3 tags',
      'maxTagsPerModelVersion',
    );
    expect(await auditSize(s.h)).toBe(before);
    const replaced = await s.call('POST', '/model-versions/set-tag', {
      name: model,
      version: '1',
      key: 'dataset',
      value: 'q4',
    });
    expect(replaced.status).toBe(200);
    // Deleting a registration tag frees its slot too.
    await s.call('DELETE', '/model-versions/delete-tag', {
      name: model,
      version: '1',
      key: 'dataset',
    });
    expect(
      (
        await s.call('POST', '/model-versions/set-tag', {
          name: model,
          version: '1',
          key: 'd',
          value: 'x',
        })
      ).status,
    ).toBe(200);
    expect((await versionTags(s, '1')).map((t) => t.key).sort()).toEqual(['b', 'c', 'd']);
  });

  it('refuses a registration carrying more tags than the limit, and writes nothing', async () => {
    const s = await serve();
    const four = ['a', 'b', 'c', 'd'].map((key) => ({ key, value: key }));
    const before = await auditSize(s.h);
    const version = await s.call('POST', '/model-versions/create', {
      name: model,
      source: 's3://m/1',
      tags: four,
    });
    expectLimitRefusal(
      version,
      `Model version (name=${model}, version=1)`,
      'is given 4 tags',
      'maxTagsPerModelVersion',
    );
    const other = await s.admin('/registered-models/create', {
      name: 'other',
      tags: [{ key: 'clearance.policy', value: s.policyDigest }, ...four],
    });
    expectLimitRefusal(
      other,
      'Registered model other',
      'is given 4 tags',
      'maxTagsPerRegisteredModel',
    );
    expect(await auditSize(s.h)).toBe(before);
    expect(await s.h.deps.store.read((tx) => tx.versions.names(model))).toEqual([]);
    expect(await s.h.deps.store.read((tx) => tx.models.get('other'))).toBeUndefined();
    // The read-only clearance.* tags are not stored and do not count.
    const three = await s.admin('/registered-models/create', {
      name: 'other',
      tags: [{ key: 'clearance.policy', value: s.policyDigest }, ...four.slice(1)],
    });
    expect(three.status).toBe(200);
  });

  it('refuses a plain alias past the limit and moves an existing one at it', async () => {
    const s = await serve();
    for (const n of ['1', '2'])
      await s.call('POST', '/model-versions/create', { name: model, source: `s3://m/${n}` });
    for (const alias of ['blue', 'green'])
      expect(
        (await s.call('POST', '/registered-models/alias', { name: model, alias, version: '1' }))
          .status,
      ).toBe(200);
    const before = await auditSize(s.h);
    const refused = await s.call('POST', '/registered-models/alias', {
      name: model,
      alias: 'red',
      version: '1',
    });
    expectLimitRefusal(
      refused,
      `Registered model ${model}`,
      'at most 2 aliases',
      'maxAliasesPerRegisteredModel',
    );
    expect(await auditSize(s.h)).toBe(before);
    const moved = await s.call('POST', '/registered-models/alias', {
      name: model,
      alias: 'blue',
      version: '2',
    });
    expect(moved.status).toBe(200);
    expect(await s.h.deps.store.read((tx) => tx.metadata.aliases(model))).toEqual([
      { alias: 'blue', version: '2' },
      { alias: 'green', version: '1' },
    ]);
  });

  it('gives the last model tag slot to one of several racing writes', async () => {
    const s = await serve({ twoServers: true });
    for (const key of ['a', 'b'])
      await s.call('POST', '/registered-models/set-tag', { name: model, key, value: key });
    const racing = await Promise.all(
      ['r1', 'r2', 'r3', 'r4'].map((key, i) =>
        (i % 2 === 0 ? s.call : s.callOther)('POST', '/registered-models/set-tag', {
          name: model,
          key,
          value: key,
        }),
      ),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([200, 400, 400, 400]);
    expect(await modelTags(s)).toHaveLength(3);
  });

  it('gives the last version tag slot to one of several racing writes', async () => {
    const s = await serve({ twoServers: true });
    await s.call('POST', '/model-versions/create', { name: model, source: 's3://m/1' });
    for (const key of ['a', 'b'])
      await s.call('POST', '/model-versions/set-tag', {
        name: model,
        version: '1',
        key,
        value: key,
      });
    const racing = await Promise.all(
      ['r1', 'r2', 'r3', 'r4'].map((key, i) =>
        (i % 2 === 0 ? s.call : s.callOther)('POST', '/model-versions/set-tag', {
          name: model,
          version: '1',
          key,
          value: key,
        }),
      ),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([200, 400, 400, 400]);
    expect(await versionTags(s, '1')).toHaveLength(3);
  });

  it('gives the last alias slot to one of several racing writes', async () => {
    const s = await serve({ twoServers: true });
    await s.call('POST', '/model-versions/create', { name: model, source: 's3://m/1' });
    await s.call('POST', '/registered-models/alias', { name: model, alias: 'blue', version: '1' });
    const racing = await Promise.all(
      ['x1', 'x2', 'x3', 'x4'].map((alias, i) =>
        (i % 2 === 0 ? s.call : s.callOther)('POST', '/registered-models/alias', {
          name: model,
          alias,
          version: '1',
        }),
      ),
    );
    expect(racing.map((r) => r.status).sort()).toEqual([200, 400, 400, 400]);
    expect(await s.h.deps.store.read((tx) => tx.metadata.aliases(model))).toHaveLength(2);
  });

  it('leaves no version tag rows behind for tags set then deleted, or never set', async () => {
    const s = await serve();
    await s.call('POST', '/model-versions/create', { name: model, source: 's3://m/1' });
    for (let i = 0; i < 5; i++) {
      const key = `k${i}`;
      await s.call('POST', '/model-versions/set-tag', {
        name: model,
        version: '1',
        key,
        value: 'v',
      });
      await s.call('DELETE', '/model-versions/delete-tag', { name: model, version: '1', key });
      const never = await s.call('DELETE', '/model-versions/delete-tag', {
        name: model,
        version: '1',
        key: `never-${i}`,
      });
      expect(never.status).toBe(200);
    }
    expect(await s.h.deps.store.read((tx) => tx.metadata.versionTags(model))).toEqual([]);
  });
});
