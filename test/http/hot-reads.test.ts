/**
 * The hot reads kept in memory (`app/shared/read-cache.ts`) on every engine, with two servers on
 * one database as two stores: once server A has answered a rollback (or any change has
 * committed), server B's very next read answers the new state, whatever B had kept. No waiting:
 * the next request after the commit is the one checked.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import {
  bindUseCases,
  bootstrapAdmin,
  createToken,
  createUser,
  type HotReads,
  hotReads,
  registerVersion,
  type Store,
} from '../../src/app/index.js';
import { principalCache } from '../../src/auth/index.js';
import { storeDirectory } from '../../src/compose.js';
import { buildServer } from '../../src/http/index.js';
import { createStore } from '../../src/store/index.js';
import { forEachStore, people, type StoreHarness, setupModel } from '../app/harness.js';

const model = 'credit-risk-pd';
const servingUrl = `/api/v1/models/${model}/serving`;

/** A second Store on the same database: what another server process opens. */
async function secondStore(h: StoreHarness): Promise<Store> {
  if (h.database === undefined) return h.store;
  if (h.database.startsWith('sqlite:')) {
    return createStore({ engine: 'sqlite', file: h.database.slice('sqlite:'.length) });
  }
  return createStore({ engine: 'postgres', url: h.database });
}

forEachStore('hot reads kept until the next commit', (open) => {
  const closing: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
  });

  function serverOn(h: StoreHarness, store: Store): { app: FastifyInstance; reads: HotReads } {
    const reads = hotReads(store);
    const app = buildServer({
      useCases: bindUseCases({ ...h.deps, store, hotReads: reads }),
      directory: principalCache(storeDirectory(store)),
      bodyLimitBytes: 1024 * 1024,
      now: () => h.clock.now(),
    });
    closing.push(() => app.close());
    return { app, reads };
  }

  /** Servers A and B on one database; 1.1.0 in production, 1.0.0 its rollback target. */
  async function twoServers() {
    const h = await open();
    const other = await secondStore(h);
    if (other !== h.store) closing.push(() => other.close());
    const { token } = await bootstrapAdmin(h.deps, { userId: people.admin.id });
    await setupModel(h, 'credit-risk', model, 'regulated');
    for (const version of ['1.0.0', '1.1.0']) {
      await registerVersion(h.deps, people.ci, {
        model,
        version,
        artifactUri: `s3://models/${model}/${version}`,
        artifactDigest: `sha256:${createHash('sha256').update(version).digest('hex')}`,
        lineage: {},
      });
    }
    const since = h.clock.now().toISOString();
    await h.store.transaction(async (tx) => {
      await tx.versions.setState({ model, version: '1.0.0', state: 'deprecated', since });
      await tx.versions.setState({ model, version: '1.1.0', state: 'production', since });
      await tx.serving.set({
        model,
        production: { version: '1.1.0', since },
        rollbackTarget: { version: '1.0.0' },
      });
    });
    const a = serverOn(h, h.store);
    const b = serverOn(h, other);
    const authorization = `Bearer ${token.token}`;
    const get = async (server: FastifyInstance, url: string) => {
      const response = await server.inject({ method: 'GET', url, headers: { authorization } });
      expect(response.statusCode).toBe(200);
      return response.json();
    };
    return { h, other, a, b, authorization, get };
  }

  it('answers a read again from memory where the engine tells commits cheaply', async () => {
    const { other, b, get } = await twoServers();
    for (let i = 0; i < 3; i++) {
      expect((await get(b.app, servingUrl)).production.version).toBe('1.1.0');
      expect((await get(b.app, `/api/v1/models/${model}`)).name).toBe(model);
      expect((await get(b.app, `/api/v1/models/${model}/versions/1.0.0`)).state).toBe('deprecated');
    }
    // PostgreSQL cannot tell without a round trip: there every read goes to the database.
    const kept = other.dataVersion() === undefined ? 0 : 2;
    for (const cache of [b.reads.serving, b.reads.models, b.reads.versions]) {
      expect(cache.stats().hits).toBe(kept);
    }
  });

  it('answers a kept value with the ETag of the very body it sends, and 304 to a match', async () => {
    const { b, authorization } = await twoServers();
    const weakEtagOf = (body: string) =>
      `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    for (const url of [
      servingUrl,
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
});
