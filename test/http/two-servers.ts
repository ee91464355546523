/**
 * Two servers on one database, for the cache suites (hot reads, the attacks on the caches): each
 * server has a Store of its own on the same database (what another `clearance serve` process
 * opens), its own hot reads and its own principal cache. Server A runs on the harness's store,
 * server B on a second one. The model `credit-risk-pd` has 1.1.0 in production and 1.0.0 as its
 * rollback target; `authorization` is the admin's.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import {
  bindUseCases,
  bootstrapAdmin,
  type HotReads,
  hotReads,
  registerVersion,
  type Store,
} from '../../src/app/index.js';
import { principalCache } from '../../src/auth/index.js';
import { storeDirectory } from '../../src/compose.js';
import { buildServer } from '../../src/http/index.js';
import { createStore } from '../../src/store/index.js';
import { people, type StoreHarness, setupModel } from '../app/harness.js';

export const model = 'credit-risk-pd';

interface Server {
  app: FastifyInstance;
  reads: HotReads;
}

/** A second Store on the same database: what another server process opens. */
export async function secondStore(h: StoreHarness): Promise<Store> {
  if (h.database === undefined) return h.store;
  if (h.database.startsWith('sqlite:')) {
    return createStore({ engine: 'sqlite', file: h.database.slice('sqlite:'.length) });
  }
  return createStore({ engine: 'postgres', url: h.database });
}

/**
 * Builds servers on stores of one database, and closes them (and the second store) through
 * `closing`, which the suite empties in its `afterEach`.
 */
export function twoServerSetUp(closing: (() => Promise<void>)[]) {
  function serverOn(
    h: StoreHarness,
    store: Store,
    extra: Partial<StoreHarness['deps']> = {},
  ): Server {
    const reads = hotReads(store);
    const app = buildServer({
      useCases: bindUseCases({ ...h.deps, store, hotReads: reads, ...extra }),
      directory: principalCache(storeDirectory(store)),
      bodyLimitBytes: 1024 * 1024,
      now: () => h.clock.now(),
    });
    closing.push(() => app.close());
    return { app, reads };
  }

  /** Servers A and B on one database; 1.1.0 in production, 1.0.0 its rollback target. */
  async function twoServers(open: () => Promise<StoreHarness>) {
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

  return { serverOn, twoServers };
}
