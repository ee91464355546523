/** The identity routes on the real use cases, the in-memory store and the store's directory. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin, createToken, createUser, grantRole } from '../../src/app/index.js';
import { actions, type Harness, harness, people } from '../app/harness.js';
import { serveHarness } from './serve-harness.js';

let h: Harness;
let app: FastifyInstance;
const as = { admin: '', owner: '' };

beforeAll(async () => {
  h = harness();
  app = serveHarness(h);
  const { token } = await bootstrapAdmin(h.deps, { userId: people.admin.id });
  as.admin = `Bearer ${token.token}`;
  await createUser(h.deps, people.admin, { id: people.owner.id });
  await grantRole(h.deps, people.admin, { userId: people.owner.id, role: 'model_owner' });
  as.owner = `Bearer ${(await createToken(h.deps, people.admin, { userId: people.owner.id })).token}`;
});
afterAll(() => app.close());

type Method = 'GET' | 'POST' | 'DELETE';

async function call(method: Method, url: string, authorization: string, payload?: object) {
  const response = await app.inject({
    method,
    url,
    headers: { authorization },
    ...(payload ? { payload } : {}),
  });
  return {
    status: response.statusCode,
    body: response.body ? response.json() : undefined,
    response,
  };
}

describe('identity routes', () => {
  // Each route once as admin (allowed) and once as a model owner (403, audited).
  const routes: { method: Method; url: string; payload?: object; ok: number }[] = [
    { method: 'POST', url: '/api/v1/users', payload: { id: 'rob.risk' }, ok: 201 },
    { method: 'GET', url: '/api/v1/users', ok: 200 },
    {
      method: 'POST',
      url: '/api/v1/users/rob.risk/roles',
      payload: { role: 'risk_officer' },
      ok: 201,
    },
    {
      method: 'DELETE',
      url: '/api/v1/users/rob.risk/roles',
      payload: { role: 'risk_officer' },
      ok: 204,
    },
    { method: 'POST', url: '/api/v1/tokens', payload: { userId: 'rob.risk' }, ok: 201 },
    { method: 'GET', url: '/api/v1/tokens?userId=rob.risk', ok: 200 },
  ];

  for (const route of routes) {
    it(`${route.method} ${route.url}: model_owner 403 (audited), admin ${route.ok}`, async () => {
      const denied = await call(route.method, route.url, as.owner, route.payload);
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe('forbidden');
      expect(actions(h).at(-1)).toBe('access.denied');
      const allowed = await call(route.method, route.url, as.admin, route.payload);
      expect(allowed.status).toBe(route.ok);
    });
  }

  it('returns a new token once, never its hash, and revokes it', async () => {
    const created = await call('POST', '/api/v1/tokens', as.owner, { description: 'laptop' });
    expect(created.status).toBe(201);
    expect(created.response.headers['cache-control']).toBe('no-store');
    expect(created.body.token).toMatch(/^clr_/);
    expect(created.body).not.toHaveProperty('hashedSecret');
    const mine = await call('GET', '/api/v1/tokens', as.owner);
    const ids = mine.body.map((t: { id: string }) => t.id);
    expect(ids).toHaveLength(2); // the one from set-up and this one
    expect(ids).toContain(created.body.id);
    expect(JSON.stringify(mine.body)).not.toMatch(/hashedSecret|clr_/);
    const fresh = `Bearer ${created.body.token}`;
    expect((await call('GET', '/api/v1/me', fresh)).status).toBe(200);
    const foreign = await call('DELETE', `/api/v1/tokens/${created.body.id}`, `Bearer x`);
    expect(foreign.status).toBe(401);
    const revoked = await call('DELETE', `/api/v1/tokens/${created.body.id}`, as.admin);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedBy).toBe(people.admin.id);
    expect((await call('GET', '/api/v1/me', fresh)).status).toBe(401);
  });

  it('answers a repeated grant 200, revocation 204 or 200, as things are, writing nothing', async () => {
    const users = '/api/v1/users';
    expect((await call('POST', users, as.admin, { id: 'rita.repeat' })).status).toBe(201);
    const token = await call('POST', '/api/v1/tokens', as.admin, { userId: 'rita.repeat' });
    const role = { role: 'risk_officer' };
    const first = await call('POST', `${users}/rita.repeat/roles`, as.admin, role);
    expect(first.status).toBe(201);
    const revoked = await call('DELETE', `/api/v1/tokens/${token.body.id}`, as.admin);
    const disabled = await call('POST', `${users}/rita.repeat/disable`, as.admin);
    const written = actions(h).length;

    const again = await call('POST', `${users}/rita.repeat/roles`, as.admin, role);
    expect({ status: again.status, body: again.body }).toStrictEqual({
      status: 200,
      body: first.body,
    });
    const tokenAgain = await call('DELETE', `/api/v1/tokens/${token.body.id}`, as.admin);
    expect({ status: tokenAgain.status, body: tokenAgain.body }).toStrictEqual({
      status: 200,
      body: revoked.body,
    });
    const disabledAgain = await call('POST', `${users}/rita.repeat/disable`, as.admin);
    expect(disabledAgain.body).toStrictEqual(disabled.body);
    const notHeld = await call('DELETE', `${users}/rita.repeat/roles`, as.admin, {
      role: 'auditor',
    });
    expect(notHeld.status).toBe(204);
    expect(actions(h).length).toBe(written);
    const unknown = await call('DELETE', `${users}/no.such.user/roles`, as.admin, role);
    expect(unknown.status).toBe(404);
  });

  it('refuses revoking another user’s token to a non-admin', async () => {
    const adminTokens = await call('GET', `/api/v1/tokens?userId=${people.admin.id}`, as.admin);
    const id = adminTokens.body[0].id as string;
    const denied = await call('DELETE', `/api/v1/tokens/${id}`, as.owner);
    expect(denied.status).toBe(403);
  });

  it('answers /me with the principal, its roles and its user record', async () => {
    const me = await call('GET', '/api/v1/me', as.owner);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      id: people.owner.id,
      kind: 'user',
      roles: [{ role: 'model_owner' }],
      user: { id: people.owner.id },
    });
  });

  it('lists users with their roles', async () => {
    const users = await call('GET', '/api/v1/users', as.admin);
    const admin = users.body.find((u: { id: string }) => u.id === people.admin.id);
    expect(admin.roles).toStrictEqual([{ role: 'admin' }]);
    expect(admin.createdBy).toBe('system:bootstrap');
  });
});
