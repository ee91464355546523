/**
 * The last enabled global admin is kept: revoking its global admin role or disabling its account
 * is refused `409 conflict` unless another enabled global admin remains. Two admins removing each
 * other at once, through two servers on one database, leave exactly one.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import {
  bindUseCases,
  bootstrapAdmin,
  createToken,
  createUser,
  disableUser,
  enableUser,
  grantRole,
  revokeRole,
  revokeToken,
  type Store,
} from '../../src/app/index.js';
import { principalCache } from '../../src/auth/index.js';
import { storeDirectory } from '../../src/compose.js';
import { buildServer } from '../../src/http/index.js';
import { createStore } from '../../src/store/index.js';
import {
  forEachStore,
  people,
  readActions,
  refusal,
  type StoreHarness,
  setupModel,
} from '../app/harness.js';

const alice = people.admin;
const bob = { id: 'bob.admin', kind: 'user' as const, roles: [{ role: 'admin' }] };

forEachStore('last global admin', (open) => {
  const closing: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
  });

  /** The bootstrap admin alice, and bob, a second global admin with a token. */
  async function twoAdmins() {
    const h = await open();
    const { token } = await bootstrapAdmin(h.deps, { userId: alice.id });
    await createUser(h.deps, alice, { id: bob.id });
    await grantRole(h.deps, alice, { userId: bob.id, role: 'admin' });
    const bobToken = await createToken(h.deps, alice, { userId: bob.id });
    return { h, aliceToken: token.token, bobToken: bobToken.token };
  }

  const adminRole = (userId: string) => ({ userId, role: 'admin' });

  it('refuses to revoke the last enabled global admin role or disable its account', async () => {
    const { h } = await twoAdmins();
    await revokeRole(h.deps, alice, adminRole(bob.id));
    const before = await readActions(h);

    const revoke = await refusal(revokeRole(h.deps, alice, adminRole(alice.id)));
    expect(revoke).toStrictEqual({
      code: 'conflict',
      message: `Revoking the global admin role of ${alice.id} would leave no enabled global admin: ${alice.id} is the last one.`,
    });
    const disable = await refusal(disableUser(h.deps, alice, { id: alice.id }));
    expect(disable.code).toBe('conflict');
    expect(disable.message).toMatch(/^Disabling alice\.admin would leave no enabled global admin/);
    expect(await readActions(h)).toStrictEqual(before);

    // An admin binding on one model administers no identity, so it does not count.
    await setupModel(h, 'credit-risk', 'credit-risk-pd', 'regulated');
    await grantRole(h.deps, alice, { userId: bob.id, role: 'admin', model: 'credit-risk-pd' });
    expect((await refusal(revokeRole(h.deps, alice, adminRole(alice.id)))).code).toBe('conflict');
    // A disabled global admin does not count either.
    await grantRole(h.deps, alice, adminRole(bob.id));
    await disableUser(h.deps, alice, { id: bob.id });
    expect((await refusal(revokeRole(h.deps, alice, adminRole(alice.id)))).code).toBe('conflict');
    expect((await refusal(disableUser(h.deps, alice, { id: alice.id }))).code).toBe('conflict');
    // Enabled again, it does: alice may disable herself, and then lose the role.
    await enableUser(h.deps, alice, { id: bob.id });
    await disableUser(h.deps, alice, { id: alice.id });
    await revokeRole(h.deps, bob, adminRole(alice.id));
    // Bob is now the last one; an auditor's role is no admin's.
    expect((await refusal(disableUser(h.deps, bob, { id: bob.id }))).code).toBe('conflict');
    await grantRole(h.deps, bob, { userId: bob.id, role: 'auditor' });
    await revokeRole(h.deps, bob, { userId: bob.id, role: 'auditor' });
  });

  it('protects bindings and accounts, not credentials: the last admin may revoke its only token', async () => {
    const h = await open();
    const { token } = await bootstrapAdmin(h.deps, { userId: alice.id });
    const revoked = await revokeToken(h.deps, alice, { id: token.id });
    expect(revoked.revokedAt).toBeDefined();
    // Still the last enabled global admin, with no token left: `clearance admin` on the database
    // is the way back in (docs/security.md).
    expect((await refusal(disableUser(h.deps, alice, { id: alice.id }))).code).toBe('conflict');
  });

  it('lets only one of two admins removing each other at once, through two servers', async () => {
    const { h, aliceToken, bobToken } = await twoAdmins();
    const [a, b] = await twoServers(h, closing);
    const removals = [
      {
        name: 'role revocation',
        ok: 204,
        request: (userId: string) => ({
          method: 'DELETE' as const,
          url: `/api/v1/users/${userId}/roles`,
          payload: { role: 'admin' },
        }),
      },
      {
        name: 'disable',
        ok: 200,
        request: (userId: string) => ({
          method: 'POST' as const,
          url: `/api/v1/users/${userId}/disable`,
        }),
      },
    ];
    for (const { name, ok, request } of removals) {
      const before = (await readActions(h)).length;
      const answers = await Promise.all([
        a.inject({ ...request(bob.id), headers: { authorization: `Bearer ${aliceToken}` } }),
        b.inject({ ...request(alice.id), headers: { authorization: `Bearer ${bobToken}` } }),
      ]);
      // One removal lands. The other is refused either way the race falls: 409 when both callers
      // were still admins as their requests were authorised (the write transaction's last-admin
      // check refuses), 403 when the landed removal had already taken the caller's own role.
      const landed = answers.filter((r) => r.statusCode === ok);
      const refused = answers
        .filter((r) => r.statusCode !== ok)
        .map((r) => ({
          status: r.statusCode,
          code: (r.json() as { code: string }).code,
        }));
      expect({ name, landed: landed.length }).toStrictEqual({ name, landed: 1 });
      expect(refused).toHaveLength(1);
      expect([
        { status: 409, code: 'conflict' },
        { status: 403, code: 'forbidden' },
      ]).toContainEqual(refused[0]);
      const admins = await enabledGlobalAdmins(h.store);
      expect({ name, admins: admins.length }).toStrictEqual({ name, admins: 1 });
      // The removal's entry, and nothing else acting. A 403 is the caller's own access refused,
      // audited as one `access.denied` (or none, where the denial throttle has one for the caller
      // already); a 409 is the transaction's refusal, which writes nothing. (CI once saw the 403
      // with its entry, which the exact list here before did not allow.)
      const actions = (await readActions(h)).slice(before);
      expect(actions.filter((action) => action !== 'access.denied')).toStrictEqual([
        name === 'disable' ? 'user.disabled' : 'role.changed',
      ]);
      expect(actions.filter((action) => action === 'access.denied').length).toBeLessThanOrEqual(
        refused[0]?.status === 403 ? 1 : 0,
      );
      // Back to two enabled global admins for the next round, by the one who remains.
      const survivor = admins[0] === alice.id ? alice : bob;
      const other = survivor === alice ? bob.id : alice.id;
      await enableUser(h.deps, survivor, { id: other });
      await grantRole(h.deps, survivor, adminRole(other));
      expect(await enabledGlobalAdmins(h.store)).toHaveLength(2);
    }
  });
});

/** The stored users holding the global admin role whose account is enabled. */
async function enabledGlobalAdmins(store: Store): Promise<string[]> {
  return store.read(async (tx) => {
    const ids = (await tx.identity.listRoleGrants())
      .filter((g) => g.role === 'admin' && g.model === undefined)
      .map((g) => g.userId);
    const enabled: string[] = [];
    for (const id of ids) {
      if ((await tx.identity.getUser(id))?.disabledAt === undefined) enabled.push(id);
    }
    return enabled;
  });
}

/** Two servers on stores of their own on the harness's database (two `clearance serve`s). */
async function twoServers(
  h: StoreHarness,
  closing: (() => Promise<void>)[],
): Promise<[FastifyInstance, FastifyInstance]> {
  const database = h.database ?? '';
  const other = database.startsWith('sqlite:')
    ? await createStore({ engine: 'sqlite', file: database.slice('sqlite:'.length) })
    : await createStore({ engine: 'postgres', url: database });
  closing.push(() => other.close());
  const serverOn = (store: Store) => {
    const app = buildServer({
      useCases: bindUseCases({ ...h.deps, store }),
      directory: principalCache(storeDirectory(store)),
      bodyLimitBytes: 1024 * 1024,
      now: () => h.clock.now(),
    });
    closing.push(() => app.close());
    return app;
  };
  return [serverOn(h.store), serverOn(other)];
}
