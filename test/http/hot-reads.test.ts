/**
 * The hot reads kept in memory (`app/shared/read-cache.ts`) on every engine, with two servers on
 * one database as two stores: once server A has answered a rollback (or any change has
 * committed), server B's very next read answers the new state, whatever B had kept. No waiting:
 * the next request after the commit is the one checked.
 */
import { createHash } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { createToken, createUser, registerVersion } from '../../src/app/index.js';
import { forEachStore, people, setupModel } from '../app/harness.js';
import { model, twoServerSetUp } from './two-servers.js';

const servingUrl = `/api/v1/models/${model}/serving`;

forEachStore('hot reads kept until the next commit', (open) => {
  const closing: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
  });
  const setUp = twoServerSetUp(closing);
  const twoServers = () => setUp.twoServers(open);

  it('answers a read again from memory on every engine', async () => {
    const { b, get } = await twoServers();
    for (let i = 0; i < 3; i++) {
      expect((await get(b.app, servingUrl)).production.version).toBe('1.1.0');
      expect((await get(b.app, `/api/v1/models/${model}`)).name).toBe(model);
      expect((await get(b.app, `/api/v1/models/${model}/versions/1.0.0`)).state).toBe('deprecated');
    }
    // Nothing committed between the three rounds: the second and third answer from memory.
    for (const cache of [b.reads.serving, b.reads.models, b.reads.versions]) {
      expect(cache.stats().hits).toBe(2);
    }
  });

  it('answers a kept value with the ETag of the very body it sends, and 304 to a match', async () => {
    const { b, authorization } = await twoServers();
    const weakEtagOf = (body: string) =>
      `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    for (const url of [
      servingUrl,
      '/api/v1/models',
      `/api/v1/models/${model}`,
      `/api/v1/models/${model}/versions/1.1.0`,
    ]) {
      const seen = [];
      for (let i = 0; i < 3; i++) {
        const response = await b.app.inject({ method: 'GET', url, headers: { authorization } });
        expect(response.statusCode).toBe(200);
        expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(response.headers.etag).toBe(weakEtagOf(response.body));
        seen.push(response.body);
      }
      expect(new Set(seen).size).toBe(1);
      const etag = weakEtagOf(seen[0] ?? '');
      const again = await b.app.inject({
        method: 'GET',
        url,
        headers: { authorization, 'if-none-match': etag },
      });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
    }
  });

  it('still refuses a caller without a role what it keeps in memory for others', async () => {
    const { h, b, get } = await twoServers();
    await get(b.app, servingUrl);
    await get(b.app, servingUrl);
    await createUser(h.deps, people.admin, { id: 'nora.norole' });
    const token = await createToken(h.deps, people.admin, { userId: 'nora.norole' });
    const refused = await b.app.inject({
      method: 'GET',
      url: servingUrl,
      headers: { authorization: `Bearer ${token.token}` },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).not.toContain('1.1.0');
  });

  it('answers the rolled-back version on server B right after server A answered the rollback', async () => {
    const { a, b, get, authorization } = await twoServers();
    // B has the serving view, the model and the version in memory.
    for (let i = 0; i < 2; i++) {
      expect((await get(b.app, servingUrl)).production.version).toBe('1.1.0');
      expect((await get(b.app, `/api/v1/models/${model}/versions/1.1.0`)).state).toBe('production');
    }
    const rolledBack = await a.app.inject({
      method: 'POST',
      url: `/api/v1/models/${model}/rollback`,
      headers: { authorization },
      payload: { reason: 'latency regression' },
    });
    expect(rolledBack.statusCode).toBe(200);
    expect(rolledBack.json()).toMatchObject({ from: '1.1.0', to: '1.0.0' });
    const after = await get(b.app, servingUrl);
    expect(after.production.version).toBe('1.0.0');
    // Only the fields the response schema names, as Fastify's serialiser sends them.
    expect(Object.keys(after).sort()).toEqual(['model', 'production']);
    expect(after.rollbackTarget).toBeUndefined();
    expect((await get(b.app, `/api/v1/models/${model}/versions/1.1.0`)).state).toBe('deprecated');
  });

  it('never answers an older serving view on B after a change committed through A', async () => {
    const { h, b, get } = await twoServers();
    for (let round = 0; round < 20; round++) {
      const version = round % 2 === 0 ? '1.0.0' : '1.1.0';
      // Warm B, then change what serves through the other store, then read B once.
      await get(b.app, servingUrl);
      await get(b.app, servingUrl);
      const since = new Date(Date.UTC(2026, 0, 1, 0, round)).toISOString();
      await h.store.transaction((tx) => tx.serving.set({ model, production: { version, since } }));
      const seen = await get(b.app, servingUrl);
      expect(seen.production).toEqual({ version, since });
    }
  });

  it('lists the states a rollback through A set on B’s very next list and page, ETag changed', async () => {
    const { a, b, get, authorization } = await twoServers();
    const urls = [`/api/v1/models/${model}/versions`, `/api/v1/models/${model}/versions?limit=1`];
    const etags = new Map<string, string>();
    for (const url of urls) {
      for (let i = 0; i < 2; i++) {
        const warm = await b.app.inject({ method: 'GET', url, headers: { authorization } });
        expect(warm.statusCode).toBe(200);
        etags.set(url, String(warm.headers.etag));
      }
    }
    const rolledBack = await a.app.inject({
      method: 'POST',
      url: `/api/v1/models/${model}/rollback`,
      headers: { authorization },
      payload: { reason: 'latency regression' },
    });
    expect(rolledBack.statusCode).toBe(200);
    const listed = (await get(b.app, urls[0] as string)) as { version: string; state: string }[];
    expect(listed.map((v) => [v.version, v.state])).toEqual([
      ['1.0.0', 'production'],
      ['1.1.0', 'deprecated'],
    ]);
    const first = (await get(b.app, urls[1] as string)) as { state: string }[];
    expect(first.map((v) => v.state)).toEqual(['production']);
    for (const url of urls) {
      const again = await b.app.inject({ method: 'GET', url, headers: { authorization } });
      expect(again.headers.etag, url).not.toBe(etags.get(url));
    }
  });

  it('keeps a model’s list through commits that leave its versions alone', async () => {
    const { h, b, get } = await twoServers();
    const url = `/api/v1/models/${model}/versions`;
    await get(b.app, url);
    const other = 'credit-risk-lgd';
    await setupModel(h, 'credit-risk', other, 'regulated');
    await registerVersion(h.deps, people.ci, {
      model: other,
      version: '9.0.0',
      artifactUri: `s3://models/${other}/9.0.0`,
      artifactDigest: `sha256:${'cd'.repeat(32)}`,
      lineage: {},
    });
    const before = b.reads.versionPages.stats();
    expect((await get(b.app, url)).map((v: { version: string }) => v.version)).toEqual([
      '1.0.0',
      '1.1.0',
    ]);
    // Read again only if the model's own count moved: here it did not, on every engine.
    expect(b.reads.versionPages.stats().hits).toBe(before.hits + 1);
    expect(b.reads.versionPages.stats().misses).toBe(before.misses);
  });

  it('answers each rollback on B right after A answered it, with B busy across it', async () => {
    const { h, a, b, get, authorization } = await twoServers();
    const read = () => b.app.inject({ method: 'GET', url: servingUrl, headers: { authorization } });
    for (let round = 0; round < 10; round++) {
      // Forward again by hand: 1.1.0 in production, 1.0.0 the rollback target.
      const since = new Date(Date.UTC(2026, 0, 2, 0, round)).toISOString();
      await h.store.transaction(async (tx) => {
        await tx.versions.setState({ model, version: '1.0.0', state: 'deprecated', since });
        await tx.versions.setState({ model, version: '1.1.0', state: 'production', since });
        await tx.serving.set({
          model,
          production: { version: '1.1.0', since },
          rollbackTarget: { version: '1.0.0' },
        });
      });
      expect((await get(b.app, servingUrl)).production.version).toBe('1.1.0');
      // Reads on B that start before the rollback commits and finish around it.
      const inFlight = Array.from({ length: 8 }, read);
      const rolledBack = await a.app.inject({
        method: 'POST',
        url: `/api/v1/models/${model}/rollback`,
        headers: { authorization },
        payload: { reason: `round ${round}` },
      });
      expect(rolledBack.statusCode, rolledBack.body).toBe(200);
      const after = await get(b.app, servingUrl);
      expect(after.production.version, `round ${round}`).toBe('1.0.0');
      for (const response of await Promise.all(inFlight)) {
        expect(['1.0.0', '1.1.0']).toContain(response.json().production.version);
      }
      expect((await get(b.app, servingUrl)).production.version, `round ${round}`).toBe('1.0.0');
    }
  });

  it('keeps nothing of a transaction that rolled back, and keeps what it kept before', async () => {
    const { h, b, get } = await twoServers();
    for (let i = 0; i < 2; i++) {
      expect((await get(b.app, servingUrl)).production.version).toBe('1.1.0');
      expect((await get(b.app, `/api/v1/models/${model}/versions/1.1.0`)).state).toBe('production');
    }
    const hitsBefore = b.reads.serving.stats().hits;
    const failed = await h.store
      .transaction(async (tx) => {
        const since = new Date(Date.UTC(2026, 0, 3)).toISOString();
        await tx.versions.setState({ model, version: '1.1.0', state: 'deprecated', since });
        await tx.serving.set({ model, production: { version: '1.0.0', since } });
        // Reads on B while the change is open: the committed state, twice.
        for (let i = 0; i < 2; i++) {
          expect((await get(b.app, servingUrl)).production.version).toBe('1.1.0');
        }
        throw new Error('rolled back on purpose');
      })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(Error);
    for (let i = 0; i < 2; i++) {
      expect((await get(b.app, servingUrl)).production.version).toBe('1.1.0');
      expect((await get(b.app, `/api/v1/models/${model}/versions/1.1.0`)).state).toBe('production');
    }
    // A rollback commits nothing, so the data version stays: B answered all of it from memory.
    expect(b.reads.serving.stats().hits).toBe(hitsBefore + 4);
  });

  it('lists a model registered on the database on B’s very next list and MLflow search', async () => {
    const { h, b, get } = await twoServers();
    const search = '/api/2.0/mlflow/registered-models/search?max_results=100';
    const names = async () =>
      ((await get(b.app, '/api/v1/models')) as { name: string }[]).map((m) => m.name);
    const searched = async () =>
      (
        (await get(b.app, search)) as { registered_models: { name: string }[] }
      ).registered_models.map((m) => m.name);
    for (let i = 0; i < 2; i++) {
      expect(await names()).toEqual([model]);
      expect(await searched()).toEqual([model]);
    }
    // Nothing committed between: the list answered from memory after its first read (the second
    // search answers from its own kept result, without the list).
    expect(b.reads.modelList.stats().hits).toBeGreaterThanOrEqual(2);
    await setupModel(h, 'recommender', 'home-feed', 'medium');
    expect(await names()).toEqual(['credit-risk-pd', 'home-feed'].sort());
    expect(await searched()).toEqual(['credit-risk-pd', 'home-feed'].sort());
  });

  it('lists a model inserted behind the service (SQL on the database) at the next list', async () => {
    const { h, b, get } = await twoServers();
    if (h.database === undefined) return;
    const names = async () =>
      ((await get(b.app, '/api/v1/models')) as { name: string }[]).map((m) => m.name);
    expect(await names()).toEqual([model]);
    expect(await names()).toEqual([model]);
    // The second list came from memory: what the SQL below must not leave standing.
    expect(b.reads.modelList.stats().hits).toBe(1);
    await writeBehind(
      h.database,
      `insert into models (name, owner_team, risk_tier, policy_digest, created_at, created_by)
        select 'behind', owner_team, risk_tier, policy_digest, created_at, created_by
        from models where name = '${model}'`,
    );
    expect(await names()).toEqual(['behind', model].sort());
  });

  it('answers a change written behind the service (SQL on the database) at the next read', async () => {
    const { h, b, get } = await twoServers();
    if (h.database === undefined) return;
    for (let i = 0; i < 2; i++) {
      expect((await get(b.app, servingUrl)).production.version).toBe('1.1.0');
    }
    await writeBehind(h.database, "update serving set production_version = '1.0.0'");
    expect((await get(b.app, servingUrl)).production.version).toBe('1.0.0');
  });
});

/** One statement on the database by a client of its own, as an operator's shell would run it. */
async function writeBehind(database: string, statement: string): Promise<void> {
  if (database.startsWith('sqlite:')) {
    const Sqlite = (await import('better-sqlite3')).default;
    const raw = new Sqlite(database.slice('sqlite:'.length));
    try {
      raw.exec(statement);
    } finally {
      raw.close();
    }
    return;
  }
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
