/**
 * The principal cache on every engine: a token presented again is served from memory, and a
 * revocation — of the token, or of the role a write needs — takes effect for the very next
 * request, also when the revocation is made through another connection to the database (another
 * server, or `clearance admin` on the same database), and also when it is made by a hand-written
 * statement behind the service (an operator's `DELETE`, a restore, another tool: migration 0019's
 * triggers, ADR 023), on every server sharing the database — on PostgreSQL also when that
 * statement runs in a replica-mode session (migration 0020, ADR 027).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bootstrapAdmin,
  createToken,
  createUser,
  grantRole,
  revokeRole,
  revokeToken,
  type Store,
} from '../../src/app/index.js';
import {
  authenticate,
  type OidcVerifier,
  principalCache,
  type VersionedDirectory,
} from '../../src/auth/index.js';
import { identityDirectoryOf, openRegistry, storeDirectory } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import type { Principal } from '../../src/domain/index.js';
import { createStore, openDialect, type StoreConfig } from '../../src/store/index.js';
import { forEachStore, type StoreHarness } from '../app/harness.js';
import { serveHarness } from './serve-harness.js';

const admin: Principal = { id: 'alice.admin', kind: 'user', roles: [{ role: 'admin' }] };

/** A second Store on the same database: what another server or a local CLI would open. */
async function secondStore(h: StoreHarness): Promise<Store> {
  if (h.database === undefined) return h.store;
  if (h.database.startsWith('sqlite:')) {
    return createStore({ engine: 'sqlite', file: h.database.slice('sqlite:'.length) });
  }
  return createStore({ engine: 'postgres', url: h.database });
}

/** The harness's database as a store config; undefined for the in-memory fake. */
function configOf(h: StoreHarness): StoreConfig | undefined {
  if (h.database === undefined) return undefined;
  if (h.database.startsWith('sqlite:')) {
    return { engine: 'sqlite', file: h.database.slice('sqlite:'.length) };
  }
  return { engine: 'postgres', url: h.database };
}

/** Runs `statement` on a connection of its own, outside the service: what an operator types. */
async function behindTheService(h: StoreHarness, statement: string): Promise<void> {
  const config = configOf(h);
  if (config === undefined) throw new Error('The in-memory fake has no SQL.');
  const dialect = openDialect(config);
  try {
    await sql.raw(statement).execute(dialect.db);
  } finally {
    await dialect.destroy();
  }
}

/**
 * Runs `statement` on a PostgreSQL connection of its own with `session_replication_role = replica`:
 * the mode logical replication applies in, which fires only triggers enabled ALWAYS (migration 0020).
 */
async function inReplicaMode(h: StoreHarness, statement: string): Promise<void> {
  const config = configOf(h);
  if (config?.engine !== 'postgres') throw new Error('Replica mode is PostgreSQL only.');
  const dialect = openDialect(config);
  try {
    await dialect.db.connection().execute(async (connection) => {
      await sql`set session_replication_role = replica`.execute(connection);
      try {
        await sql.raw(statement).execute(connection);
      } finally {
        await sql`reset session_replication_role`.execute(connection);
      }
    });
  } finally {
    await dialect.destroy();
  }
}

forEachStore('principal cache', (open, engine) => {
  let app: FastifyInstance | undefined;
  let second: FastifyInstance | undefined;
  let other: Store | undefined;
  afterEach(async () => {
    await app?.close();
    await second?.close();
    second = undefined;
    if (other !== undefined) await other.close();
    app = undefined;
    other = undefined;
  });

  async function serve() {
    const h = await open();
    const cache = principalCache(storeDirectory(h.deps.store));
    app = serveHarness(h, { directory: cache });
    await bootstrapAdmin(h.deps, { userId: admin.id });
    other = await secondStore(h);
    const otherDeps = { ...h.deps, store: other };
    return { h, cache, app, otherDeps };
  }

  async function userWithToken(
    h: StoreHarness,
    input: { id: string; role: string },
  ): Promise<{ bearer: string; tokenId: string }> {
    await createUser(h.deps, admin, { id: input.id });
    await grantRole(h.deps, admin, { userId: input.id, role: input.role });
    const token = await createToken(h.deps, admin, { userId: input.id });
    return { bearer: `Bearer ${token.token}`, tokenId: token.id };
  }

  const get = (server: FastifyInstance, url: string, authorization: string) =>
    server.inject({ method: 'GET', url, headers: { authorization } });

  it('serves a token presented again from memory', async () => {
    const { h, cache, app } = await serve();
    const owner = await userWithToken(h, { id: 'olga.owner', role: 'model_owner' });
    for (let i = 0; i < 3; i++) {
      expect((await get(app, '/api/v1/models', owner.bearer)).statusCode).toBe(200);
    }
    const stats = cache.stats();
    expect(stats.misses).toBe(1);
    expect(stats.hits).toBe(2);
  });

  it('refuses a revoked token on the very next request (revoked through another connection)', async () => {
    const { h, app, otherDeps } = await serve();
    const owner = await userWithToken(h, { id: 'olga.owner', role: 'model_owner' });
    expect((await get(app, '/api/v1/models', owner.bearer)).statusCode).toBe(200);
    expect((await get(app, '/api/v1/models', owner.bearer)).statusCode).toBe(200);
    await revokeToken(otherDeps, admin, { id: owner.tokenId });
    const refused = await get(app, '/api/v1/models', owner.bearer);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().detail).toContain('revoked');
  });

  it('refuses a write on the very next request once the role it needs is revoked', async () => {
    const { h, app, otherDeps } = await serve();
    const ada = await userWithToken(h, { id: 'ada.admin', role: 'admin' });
    const createUserAs = (id: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: { authorization: ada.bearer },
        payload: { id },
      });
    expect((await createUserAs('u.one')).statusCode).toBe(201);
    expect((await createUserAs('u.two')).statusCode).toBe(201);
    await revokeRole(otherDeps, admin, { userId: 'ada.admin', role: 'admin' });
    const refused = await createUserAs('u.three');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('forbidden');
  });

  // The in-memory fake has no SQL to write behind its back.
  if (engine !== 'memory') {
    /** Server A on the harness's store, server B on a store of its own: two processes' worth. */
    async function twoServers() {
      const served = await serve();
      const b = serveHarness(served.h, {
        deps: served.otherDeps,
        directory: principalCache(storeDirectory(served.otherDeps.store)),
      });
      second = b;
      return { ...served, both: [served.app, b] };
    }

    it('refuses a token a restore took away once the cache is a minute old, epoch equal or not', async () => {
      // ADR 034. The restore: the token's row gone and the epoch written back to the value the
      // server filed the token under, as a backup taken before the token plus as many changes
      // as came since would leave it.
      const h = await open();
      await bootstrapAdmin(h.deps, { userId: admin.id });
      let now = 0;
      const cache = principalCache(storeDirectory(h.deps.store), undefined, {
        maxAgeMs: 60_000,
        now: () => now,
      });
      const owner = await userWithToken(h, { id: 'olga.owner', role: 'model_owner' });
      const headers = { authorization: owner.bearer };
      expect((await authenticate(headers, { directory: cache })).id).toBe('olga.owner');
      const epoch = await h.store.readOne((tx) => tx.identity.epoch());
      await behindTheService(h, `delete from api_tokens where id = '${owner.tokenId}'`);
      await behindTheService(h, `update identity_epoch set epoch = ${epoch} where id = 1`);
      expect(await h.store.readOne((tx) => tx.identity.epoch())).toBe(epoch);
      // Equality alone cannot tell: within the age the warm cache still serves it.
      now = 59_999;
      expect((await authenticate(headers, { directory: cache })).id).toBe('olga.owner');
      now = 60_000;
      await expect(authenticate(headers, { directory: cache })).rejects.toThrow(/not valid/);
    });

    /** A restore, as above: the token's row gone and the epoch back where it was before. */
    async function restoreWithout(h: StoreHarness, tokenId: string): Promise<void> {
      const epoch = await h.store.readOne((tx) => tx.identity.epoch());
      await behindTheService(h, `delete from api_tokens where id = '${tokenId}'`);
      await behindTheService(h, `update identity_epoch set epoch = ${epoch} where id = 1`);
    }

    it('reads again after the configured principalCacheMaxAgeSeconds, not after a minute', async () => {
      const h = await open();
      await bootstrapAdmin(h.deps, { userId: admin.id });
      let now = 0;
      const config = loadConfig({ env: {}, flags: { principalCacheMaxAgeSeconds: 5 } });
      const directory = identityDirectoryOf(config, h.deps.store, () => now);
      const owner = await userWithToken(h, { id: 'olga.owner', role: 'model_owner' });
      const headers = { authorization: owner.bearer };
      expect((await authenticate(headers, { directory })).id).toBe('olga.owner');
      await restoreWithout(h, owner.tokenId);
      now = 4_999;
      expect((await authenticate(headers, { directory })).id).toBe('olga.owner');
      now = 5_000;
      await expect(authenticate(headers, { directory })).rejects.toThrow(/not valid/);
    });

    it('keeps nothing with principalCacheMaxAgeSeconds 0: a registry serves no token a restore took away', async () => {
      const h = await open();
      await bootstrapAdmin(h.deps, { userId: admin.id });
      const owner = await userWithToken(h, { id: 'olga.owner', role: 'model_owner' });
      const registry = await openRegistry(
        loadConfig({
          env: {},
          flags: {
            database: h.database,
            dataDir: mkdtempSync(join(tmpdir(), 'clearance-cache-age-')),
            principalCacheMaxAgeSeconds: 0,
          },
        }),
      );
      try {
        const headers = { authorization: owner.bearer };
        const directory = registry.directory;
        expect((await authenticate(headers, { directory })).id).toBe('olga.owner');
        expect((await authenticate(headers, { directory })).id).toBe('olga.owner');
        await restoreWithout(h, owner.tokenId);
        await expect(authenticate(headers, { directory })).rejects.toThrow(/not valid/);
      } finally {
        await registry.close();
      }
    });

    it('refuses a token deleted by SQL behind the service, on every server', async () => {
      const { h, both } = await twoServers();
      const owner = await userWithToken(h, { id: 'olga.owner', role: 'model_owner' });
      for (const server of both) {
        expect((await get(server, '/api/v1/models', owner.bearer)).statusCode).toBe(200);
        expect((await get(server, '/api/v1/models', owner.bearer)).statusCode).toBe(200);
      }
      await behindTheService(h, `delete from api_tokens where id = '${owner.tokenId}'`);
      for (const server of both) {
        expect((await get(server, '/api/v1/models', owner.bearer)).statusCode).toBe(401);
      }
    });

    it('refuses a user disabled through the other server’s API on the next request, until enabled', async () => {
      const { h, both } = await twoServers();
      const [a, b] = both as [FastifyInstance, FastifyInstance];
      const ada = await userWithToken(h, { id: 'ada.admin', role: 'admin' });
      const owner = await userWithToken(h, { id: 'olga.owner', role: 'model_owner' });
      expect((await get(a, '/api/v1/models', owner.bearer)).statusCode).toBe(200);
      expect((await get(a, '/api/v1/models', owner.bearer)).statusCode).toBe(200);
      const change = (what: 'disable' | 'enable') =>
        b.inject({
          method: 'POST',
          url: `/api/v1/users/olga.owner/${what}`,
          headers: { authorization: ada.bearer },
        });
      const disabled = await change('disable');
      expect(disabled.statusCode).toBe(200);
      expect(disabled.json().disabledAt).toBe(h.clock.now().toISOString());
      for (const server of both) {
        const refused = await get(server, '/api/v1/models', owner.bearer);
        expect(refused.statusCode).toBe(401);
        expect(refused.json().detail).toBe('The account of user olga.owner is disabled.');
      }
      const listed = await get(a, '/api/v1/users', ada.bearer);
      const olga = listed.json().find((u: { id: string }) => u.id === 'olga.owner');
      expect(olga.disabledAt).toBe(disabled.json().disabledAt);
      const missing = await b.inject({
        method: 'POST',
        url: '/api/v1/users/no.such.user/disable',
        headers: { authorization: ada.bearer },
      });
      expect(missing.statusCode).toBe(404);
      const enabled = await change('enable');
      expect(enabled.statusCode).toBe(200);
      expect(enabled.json().disabledAt).toBeUndefined();
      for (const server of both) {
        expect((await get(server, '/api/v1/models', owner.bearer)).statusCode).toBe(200);
      }
    });

    it('refuses the tokens of a user disabled by SQL behind the service, on every server', async () => {
      const { h, both } = await twoServers();
      const owner = await userWithToken(h, { id: 'olga.owner', role: 'model_owner' });
      for (const server of both) {
        expect((await get(server, '/api/v1/models', owner.bearer)).statusCode).toBe(200);
        expect((await get(server, '/api/v1/models', owner.bearer)).statusCode).toBe(200);
      }
      const at = h.clock.now().toISOString();
      await behindTheService(h, `update users set disabled_at = '${at}' where id = 'olga.owner'`);
      for (const server of both) {
        const refused = await get(server, '/api/v1/models', owner.bearer);
        expect(refused.statusCode).toBe(401);
        expect(refused.json().detail).toBe('The account of user olga.owner is disabled.');
      }
      await behindTheService(h, "update users set disabled_at = null where id = 'olga.owner'");
      for (const server of both) {
        expect((await get(server, '/api/v1/models', owner.bearer)).statusCode).toBe(200);
      }
    });

    it('refuses an OIDC subject whose stored account is disabled by SQL, on every server', async () => {
      const served = await serve();
      const { h } = served;
      // Signature checks are the verifier's own tests' business: the subject is the JWT's text.
      const oidc: OidcVerifier = {
        verify: async (jwt) => ({ id: jwt.replace(/\.x\.y$/, ''), kind: 'user', roles: [] }),
      };
      const a = serveHarness(h, { directory: served.cache, oidc });
      const b = serveHarness(h, {
        deps: served.otherDeps,
        directory: principalCache(storeDirectory(served.otherDeps.store)),
        oidc,
      });
      second = b;
      try {
        await createUser(h.deps, admin, { id: 'odette.oidc' });
        const me = (server: FastifyInstance, subject: string) =>
          get(server, '/api/v1/me', `Bearer ${subject}.x.y`);
        for (const server of [a, b]) {
          expect((await me(server, 'odette.oidc')).statusCode).toBe(200);
          expect((await me(server, 'odette.oidc')).statusCode).toBe(200);
          expect((await me(server, 'only.in.the.idp')).statusCode).toBe(200);
        }
        const at = h.clock.now().toISOString();
        await behindTheService(
          h,
          `update users set disabled_at = '${at}' where id = 'odette.oidc'`,
        );
        for (const server of [a, b]) {
          const refused = await me(server, 'odette.oidc');
          expect(refused.statusCode).toBe(401);
          expect(refused.json().detail).toBe('The account of user odette.oidc is disabled.');
          expect((await me(server, 'only.in.the.idp')).statusCode).toBe(200);
        }
      } finally {
        await a.close();
      }
    });

    if (engine === 'postgres') {
      it('refuses a token deleted or revoked in a replica-mode session, on every server', async () => {
        const { h, both } = await twoServers();
        const owner = await userWithToken(h, { id: 'olga.owner', role: 'model_owner' });
        const other = await userWithToken(h, { id: 'otto.owner', role: 'model_owner' });
        for (const server of both) {
          for (const bearer of [owner.bearer, other.bearer, owner.bearer, other.bearer]) {
            expect((await get(server, '/api/v1/models', bearer)).statusCode).toBe(200);
          }
        }
        await inReplicaMode(h, `delete from api_tokens where id = '${owner.tokenId}'`);
        for (const server of both) {
          expect((await get(server, '/api/v1/models', owner.bearer)).statusCode).toBe(401);
          expect((await get(server, '/api/v1/models', other.bearer)).statusCode).toBe(200);
        }
        const at = h.clock.now().toISOString();
        await inReplicaMode(
          h,
          `update api_tokens set revoked_at = '${at}', revoked_by = 'dba' where id = '${other.tokenId}'`,
        );
        for (const server of both) {
          const refused = await get(server, '/api/v1/models', other.bearer);
          expect(refused.statusCode).toBe(401);
          expect(refused.json().detail).toContain('revoked');
        }
      });
    }

    it('refuses a token revoked by an UPDATE behind the service on the very next request', async () => {
      const { h, app } = await serve();
      const owner = await userWithToken(h, { id: 'olga.owner', role: 'model_owner' });
      expect((await get(app, '/api/v1/models', owner.bearer)).statusCode).toBe(200);
      expect((await get(app, '/api/v1/models', owner.bearer)).statusCode).toBe(200);
      const at = h.clock.now().toISOString();
      await behindTheService(
        h,
        `update api_tokens set revoked_at = '${at}', revoked_by = 'dba' where id = '${owner.tokenId}'`,
      );
      const refused = await get(app, '/api/v1/models', owner.bearer);
      expect(refused.statusCode).toBe(401);
      expect(refused.json().detail).toContain('revoked');
    });

    it('refuses a reader whose role binding is deleted by SQL behind the service, on every server', async () => {
      const { h, both } = await twoServers();
      const auditor = await userWithToken(h, { id: 'aud.itor', role: 'auditor' });
      for (const server of both) {
        expect((await get(server, '/api/v1/models', auditor.bearer)).statusCode).toBe(200);
        expect((await get(server, '/api/v1/models', auditor.bearer)).statusCode).toBe(200);
      }
      await behindTheService(h, "delete from role_bindings where user_id = 'aud.itor'");
      for (const server of both) {
        const refused = await get(server, '/api/v1/models', auditor.bearer);
        expect(refused.statusCode).toBe(403);
        expect(refused.json().code).toBe('forbidden');
      }
    });

    it('sees a grant inserted by SQL behind the service on the very next request', async () => {
      const { h, app } = await serve();
      await createUser(h.deps, admin, { id: 'nick.new' });
      const token = await createToken(h.deps, admin, { userId: 'nick.new' });
      const bearer = `Bearer ${token.token}`;
      expect((await get(app, '/api/v1/models', bearer)).statusCode).toBe(403);
      expect((await get(app, '/api/v1/models', bearer)).statusCode).toBe(403);
      const at = h.clock.now().toISOString();
      await behindTheService(
        h,
        'insert into role_bindings (id, user_id, role, model, created_at, created_by) ' +
          `values ('rb-by-sql', 'nick.new', 'auditor', null, '${at}', 'dba')`,
      );
      expect((await get(app, '/api/v1/models', bearer)).statusCode).toBe(200);
    });
  }

  it('sees a new grant on the very next request', async () => {
    const { h, app, otherDeps } = await serve();
    await createUser(h.deps, admin, { id: 'nick.new' });
    const token = await createToken(h.deps, admin, { userId: 'nick.new' });
    const bearer = `Bearer ${token.token}`;
    // No role yet: the registry is not theirs to read.
    expect((await get(app, '/api/v1/models', bearer)).statusCode).toBe(403);
    await grantRole(otherDeps, admin, { userId: 'nick.new', role: 'auditor' });
    expect((await get(app, '/api/v1/models', bearer)).statusCode).toBe(200);
  });
});

describe('principalCache', () => {
  /**
   * A directory whose epoch and tokens a test moves by hand; after `hold()`, the next lookup reads
   * its answer at once but returns it only on `release()` (a slow read).
   */
  function scripted() {
    let epoch = 0;
    let release: () => void = () => undefined;
    let gate: Promise<void> | undefined;
    const holder = { hashedSecret: 'h', userId: 'u', roles: [{ role: 'auditor' }] };
    let lookups = 0;
    const directory: VersionedDirectory = {
      epoch: async () => epoch,
      findAccount: async () => ({}),
      findToken: async () => {
        lookups += 1;
        const answer = { ...holder, roles: [...holder.roles] };
        const wait = gate;
        gate = undefined;
        if (wait) await wait;
        return answer;
      },
    };
    return {
      directory,
      bump: () => {
        epoch += 1;
      },
      unbump: () => {
        epoch -= 1;
      },
      hold: () => {
        gate = new Promise((resolve) => {
          release = resolve;
        });
      },
      release: () => release(),
      setRoles: (roles: { role: string }[]) => {
        holder.roles = roles;
      },
      lookups: () => lookups,
    };
  }

  it('drops everything when the epoch moves', async () => {
    const s = scripted();
    const cache = principalCache(s.directory);
    await cache.findToken('t');
    await cache.findToken('t');
    expect(s.lookups()).toBe(1);
    s.setRoles([]);
    s.bump();
    expect((await cache.findToken('t'))?.roles).toEqual([]);
    expect(s.lookups()).toBe(2);
  });

  it('does not file a lookup that began before another request saw a newer epoch', async () => {
    const s = scripted();
    const cache = principalCache(s.directory);
    s.hold();
    const slow = cache.findToken('t'); // epoch 0; its lookup read the old roles and waits
    await new Promise((resolve) => setImmediate(resolve));
    s.bump();
    s.setRoles([]);
    const fresh = await cache.findToken('t'); // epoch 1: cache dropped, looked up again
    expect(fresh?.roles).toEqual([]);
    s.release();
    expect((await slow)?.roles).toEqual([{ role: 'auditor' }]);
    const lookups = s.lookups();
    // The slow (epoch 0) answer was not filed over the epoch 1 one; a hit changes nothing.
    expect((await cache.findToken('t'))?.roles).toEqual([]);
    expect(s.lookups()).toBe(lookups);
  });

  it('reads again once its age runs out, though the epoch came back to the same value', async () => {
    // ADR 034: a restore to an older epoch, then as many changes as it was behind.
    const s = scripted();
    let now = 0;
    const cache = principalCache(s.directory, undefined, { maxAgeMs: 60_000, now: () => now });
    await cache.findToken('t');
    s.setRoles([]);
    s.bump();
    s.unbump();
    now = 59_999;
    expect((await cache.findToken('t'))?.roles).toEqual([{ role: 'auditor' }]);
    expect(s.lookups()).toBe(1);
    now = 60_000;
    expect((await cache.findToken('t'))?.roles).toEqual([]);
    expect(s.lookups()).toBe(2);
    // Refilled: served from memory again for another 60 s.
    now = 119_999;
    await cache.findToken('t');
    expect(s.lookups()).toBe(2);
  });

  it('does not file a lookup that began before the age ran out', async () => {
    const s = scripted();
    let now = 0;
    const cache = principalCache(s.directory, undefined, { maxAgeMs: 1_000, now: () => now });
    s.hold();
    const slow = cache.findToken('t');
    await new Promise((resolve) => setImmediate(resolve));
    now = 1_000;
    s.setRoles([]);
    expect((await cache.findToken('t'))?.roles).toEqual([]);
    s.release();
    expect((await slow)?.roles).toEqual([{ role: 'auditor' }]);
    const lookups = s.lookups();
    expect((await cache.findToken('t'))?.roles).toEqual([]);
    expect(s.lookups()).toBe(lookups);
  });

  it('keeps at most its capacity, dropping the least recently used', async () => {
    const s = scripted();
    const cache = principalCache(s.directory, { maxEntries: 2, maxBytes: 1e6 });
    await cache.findToken('a');
    await cache.findToken('b');
    await cache.findToken('a');
    await cache.findToken('c'); // drops b
    expect(cache.stats().size).toBe(2);
    const before = s.lookups();
    await cache.findToken('a');
    expect(s.lookups()).toBe(before);
    await cache.findToken('b');
    expect(s.lookups()).toBe(before + 1);
  });
});
