import pg from 'pg';
import { expect, it, vi } from 'vitest';
import {
  bootstrapAdmin,
  createToken,
  createUser,
  disableUser,
  enableUser,
  grantRole,
  listTokens,
  listUsers,
  revokeRole,
  revokeToken,
} from '../../src/app/index.js';
import { authenticate, hashTokenSecret, parseApiToken } from '../../src/auth/index.js';
import { storeDirectory } from '../../src/compose.js';
import {
  forEachStore,
  people,
  readActions,
  readAudit,
  refusal,
  type StoreHarness,
} from './harness.js';

async function bootstrapped(open: () => Promise<StoreHarness>) {
  const h = await open();
  const { token } = await bootstrapAdmin(h.deps, { userId: 'alice.admin' });
  const auth = (display: string) =>
    authenticate(
      { authorization: `Bearer ${display}` },
      { directory: storeDirectory(h.deps.store), now: () => h.clock.now() },
    );
  return { h, token, auth };
}

forEachStore('identity use cases', (open) => {
  it('reads the identity epoch once for the requests of one turn of the event loop', async () => {
    const { h } = await bootstrapped(open);
    const { store } = h.deps;
    let reads = 0;
    const counting = {
      ...store,
      readOne: <T>(work: Parameters<typeof store.readOne<T>>[0]) => {
        reads += 1;
        return store.readOne(work);
      },
    };
    const directory = storeDirectory(counting);
    const query = vi.spyOn(pg.Client.prototype, 'query');
    let sent: number;
    try {
      const epochs = await Promise.all([directory.epoch(), directory.epoch(), directory.epoch()]);
      expect(new Set(epochs).size).toBe(1);
    } finally {
      sent = query.mock.calls.length;
      query.mockRestore();
    }
    if (store.dataVersionWithEpoch === undefined) expect(reads).toBe(1);
    else {
      // PostgreSQL: the epoch comes with the shared data version read, one statement (ADR 029).
      expect(reads).toBe(0);
      expect(sent).toBe(1);
    }
  });

  it('reads the identity epoch with the data version, in one statement where that is one (ADR 029)', async () => {
    const { h } = await bootstrapped(open);
    // A fresh directory after a commit: nothing known, the data version has moved.
    const directory = storeDirectory(h.deps.store);
    const query = vi.spyOn(pg.Client.prototype, 'query');
    let epoch: number;
    let sent: number;
    try {
      epoch = await directory.epoch();
    } finally {
      sent = query.mock.calls.length;
      query.mockRestore();
    }
    // PostgreSQL: one round trip (it was two, the data version and then the epoch); SQLite
    // answers the data version in process and reads the epoch there: no pg statement at all.
    expect(sent).toBeLessThanOrEqual(1);
    expect(epoch).toBe(await h.deps.store.readOne((tx) => tx.identity.epoch()));
  });

  it('bootstraps the first admin once, audited as system:bootstrap', async () => {
    const { h, token, auth } = await bootstrapped(open);
    const principal = await auth(token.token);
    expect(principal).toStrictEqual({
      id: 'alice.admin',
      kind: 'user',
      roles: [{ role: 'admin' }],
    });
    const entries = await readAudit(h);
    expect(entries.map((e) => e.action)).toStrictEqual([
      'identity.bootstrap',
      'user.created',
      'role.changed',
      'token.created',
    ]);
    expect(new Set(entries.map((e) => `${e.actor.id}/${e.actor.kind}`))).toStrictEqual(
      new Set(['system:bootstrap/system']),
    );
    const again = await refusal(bootstrapAdmin(h.deps, { userId: 'mallory' }));
    expect(again.code).toBe('conflict');
    expect(await h.store.transaction((tx) => tx.identity.countUsers())).toBe(1);
  });

  it('shows the token once and stores only its hash', async () => {
    const { h, token } = await bootstrapped(open);
    const parsed = parseApiToken(token.token);
    const stored = await h.store.transaction((tx) => tx.identity.getToken(token.id));
    expect(stored?.hashedSecret).toBe(hashTokenSecret(parsed?.secret ?? ''));
    expect(JSON.stringify(await readAudit(h))).not.toContain(parsed?.secret);
    const listed = await listTokens(h.deps, people.admin);
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(stored?.hashedSecret);
    expect(listed[0]).not.toHaveProperty('token');
  });

  it('lets admins create users, grant and revoke global and per-model roles', async () => {
    const { h } = await bootstrapped(open);
    await createUser(h.deps, people.admin, { id: 'olga.owner', team: 'risk-ml' });
    await grantRole(h.deps, people.admin, { userId: 'olga.owner', role: 'risk_officer' });
    await grantRole(h.deps, people.admin, { userId: 'olga.owner', role: 'auditor' });
    await revokeRole(h.deps, people.admin, { userId: 'olga.owner', role: 'auditor' });
    const olga = (await listUsers(h.deps, people.admin)).find((u) => u.id === 'olga.owner');
    expect(olga?.roles).toStrictEqual([{ role: 'risk_officer' }]);
    expect((await readActions(h)).slice(-4)).toStrictEqual([
      'user.created',
      'role.changed',
      'role.changed',
      'role.changed',
    ]);
    expect((await readAudit(h)).at(-1)?.data).toStrictEqual({ change: 'revoked', role: 'auditor' });
    const unknownModel = await refusal(
      grantRole(h.deps, people.admin, { userId: 'olga.owner', role: 'model_owner', model: 'nope' }),
    );
    expect(unknownModel.code).toBe('not_found');
    const unknownUser = await refusal(
      revokeRole(h.deps, people.admin, { userId: 'no.such.user', role: 'auditor' }),
    );
    expect(unknownUser.code).toBe('not_found');
  });

  it('answers a repeat of each identity change as it is, and writes nothing (ADR 032)', async () => {
    const { h } = await bootstrapped(open);
    const olga = 'olga.owner';
    await createUser(h.deps, people.admin, { id: olga });
    const token = await createToken(h.deps, people.admin, { userId: olga });
    const granted = await grantRole(h.deps, people.admin, { userId: olga, role: 'risk_officer' });
    expect(granted.created).toBe(true);
    const revokedToken = await revokeToken(h.deps, people.admin, { id: token.id });
    const disabled = await disableUser(h.deps, people.admin, { id: olga });
    expect(await revokeRole(h.deps, people.admin, { userId: olga, role: 'auditor' })).toStrictEqual(
      { revoked: false },
    );
    const before = await readAudit(h);
    const epoch = await h.store.readOne((tx) => tx.identity.epoch());

    // Later, by someone else: the answers are the state as the first change left it.
    h.clock.advance(60_000);
    const other = { id: 'ada.admin', kind: 'user' as const, roles: [{ role: 'admin' }] };
    expect(await grantRole(h.deps, other, { userId: olga, role: 'risk_officer' })).toStrictEqual({
      grant: granted.grant,
      created: false,
    });
    expect(await revokeToken(h.deps, other, { id: token.id })).toStrictEqual(revokedToken);
    expect(revokedToken.revokedBy).toBe(people.admin.id);
    expect(await disableUser(h.deps, other, { id: olga })).toStrictEqual(disabled);
    expect(await revokeRole(h.deps, other, { userId: olga, role: 'auditor' })).toStrictEqual({
      revoked: false,
    });
    await revokeRole(h.deps, other, { userId: olga, role: 'risk_officer' });
    expect(await revokeRole(h.deps, other, { userId: olga, role: 'risk_officer' })).toStrictEqual({
      revoked: false,
    });
    const enabled = await enableUser(h.deps, other, { id: olga });
    expect(await enableUser(h.deps, other, { id: olga })).toStrictEqual(enabled);

    const written = (await readAudit(h)).slice(before.length);
    expect(written.map((e) => [e.action, e.data.change ?? null])).toStrictEqual([
      ['role.changed', 'revoked'],
      ['user.enabled', null],
    ]);
    // Two changes, so the identity epoch moved; the repeats alone would not have moved it.
    expect(await h.store.readOne((tx) => tx.identity.epoch())).toBeGreaterThan(epoch);
  });

  it('lets one of two concurrent identical changes write, and answers both', async () => {
    const { h } = await bootstrapped(open);
    await createUser(h.deps, people.admin, { id: 'olga.owner' });
    const token = await createToken(h.deps, people.admin, { userId: 'olga.owner' });
    const before = (await readAudit(h)).length;
    const twice = <T>(change: () => Promise<T>) => Promise.all([change(), change()]);

    const grants = await twice(() =>
      grantRole(h.deps, people.admin, { userId: 'olga.owner', role: 'auditor' }),
    );
    expect(grants.map((g) => g.created).sort()).toStrictEqual([false, true]);
    expect(grants[0]?.grant).toStrictEqual(grants[1]?.grant);
    const revokes = await twice(() =>
      revokeRole(h.deps, people.admin, { userId: 'olga.owner', role: 'auditor' }),
    );
    expect(revokes.map((r) => r.revoked).sort()).toStrictEqual([false, true]);
    const tokens = await twice(() => revokeToken(h.deps, people.admin, { id: token.id }));
    expect(tokens[0]).toStrictEqual(tokens[1]);
    const users = await twice(() => disableUser(h.deps, people.admin, { id: 'olga.owner' }));
    expect(users[0]).toStrictEqual(users[1]);

    expect((await readAudit(h)).slice(before).map((e) => e.action)).toStrictEqual([
      'role.changed',
      'role.changed',
      'token.revoked',
      'user.disabled',
    ]);
  });

  it('refuses non-admins and audits each denied attempt', async () => {
    const { h } = await bootstrapped(open);
    const before = (await readAudit(h)).length;
    // Thunks, run one after another: started together, they would race for pooled connections.
    const attempts = [
      () => createUser(h.deps, people.owner, { id: 'eve' }),
      () => grantRole(h.deps, people.owner, { userId: people.owner.id, role: 'admin' }),
      () => revokeRole(h.deps, people.owner, { userId: 'alice.admin', role: 'admin' }),
      () => createToken(h.deps, people.owner, { userId: 'alice.admin' }),
      () => listUsers(h.deps, people.owner),
      () => listTokens(h.deps, people.owner, { userId: 'alice.admin' }),
      // A model-scoped admin binding does not administer identity.
      () =>
        createUser(
          h.deps,
          { id: 'x', kind: 'user', roles: [{ role: 'admin', model: 'm' }] },
          { id: 'y' },
        ),
    ];
    for (const attempt of attempts) expect((await refusal(attempt())).code).toBe('forbidden');
    const denied = (await readAudit(h)).slice(before);
    expect(denied.map((e) => e.action)).toStrictEqual(Array(attempts.length).fill('access.denied'));
    expect(denied.map((e) => e.data.attempted)).toStrictEqual([
      'user.create',
      'role.grant',
      'role.revoke',
      'token.create',
      'user.list',
      'token.list',
      'user.create',
    ]);
  });

  it('lets a user create and revoke their own tokens, and revocation ends authentication', async () => {
    const { h, auth } = await bootstrapped(open);
    await createUser(h.deps, people.admin, { id: people.owner.id });
    const own = await createToken(h.deps, people.owner, { description: 'laptop' });
    expect((await auth(own.token)).id).toBe(people.owner.id);
    const mine = await listTokens(h.deps, people.owner);
    expect(mine.map((t) => t.id)).toStrictEqual([own.id]);
    await revokeToken(h.deps, people.owner, { id: own.id });
    expect((await refusal(auth(own.token))).code).toBe('unauthenticated');
    expect((await readActions(h)).at(-1)).toBe('token.revoked');
    const adminToken = (await listTokens(h.deps, people.admin)).find(
      (t) => t.userId !== people.owner.id,
    );
    const foreign = await refusal(revokeToken(h.deps, people.owner, { id: adminToken?.id ?? '' }));
    expect(foreign.code).toBe('forbidden');
  });

  it('disables and enables an account at once, audited, idempotent, admins only', async () => {
    const { h, auth } = await bootstrapped(open);
    await createUser(h.deps, people.admin, { id: people.owner.id });
    await grantRole(h.deps, people.admin, { userId: people.owner.id, role: 'model_owner' });
    const token = await createToken(h.deps, people.owner, {});
    expect((await auth(token.token)).id).toBe(people.owner.id);
    const before = (await readAudit(h)).length;

    const disabled = await disableUser(h.deps, people.admin, { id: people.owner.id });
    expect(disabled.disabledAt).toBe(h.clock.now().toISOString());
    const refused = await refusal(auth(token.token));
    expect(refused).toStrictEqual({
      code: 'unauthenticated',
      message: `The account of user ${people.owner.id} is disabled.`,
    });
    const listed = (await listUsers(h.deps, people.admin)).find((u) => u.id === people.owner.id);
    expect(listed?.disabledAt).toBe(disabled.disabledAt);
    // Again: nothing changes, nothing is written.
    h.clock.advance(1_000);
    expect(await disableUser(h.deps, people.admin, { id: people.owner.id })).toStrictEqual(
      disabled,
    );

    const enabled = await enableUser(h.deps, people.admin, { id: people.owner.id });
    expect(enabled.disabledAt).toBeUndefined();
    expect((await auth(token.token)).id).toBe(people.owner.id);
    expect(await enableUser(h.deps, people.admin, { id: people.owner.id })).toStrictEqual(enabled);

    const written = (await readAudit(h)).slice(before);
    expect(written.map((e) => [e.action, e.actor.id, e.subject])).toStrictEqual([
      ['user.disabled', people.admin.id, { type: 'user', id: people.owner.id }],
      ['user.enabled', people.admin.id, { type: 'user', id: people.owner.id }],
    ]);

    const unknown = await refusal(disableUser(h.deps, people.admin, { id: 'no.such.user' }));
    expect(unknown.code).toBe('not_found');
    const unknownEnable = await refusal(enableUser(h.deps, people.admin, { id: 'no.such.user' }));
    expect(unknownEnable.code).toBe('not_found');

    const beforeDenied = (await readAudit(h)).length;
    for (const attempt of [
      () => disableUser(h.deps, people.owner, { id: 'alice.admin' }),
      () => enableUser(h.deps, people.owner, { id: people.owner.id }),
    ]) {
      expect((await refusal(attempt())).code).toBe('forbidden');
    }
    const denied = (await readAudit(h)).slice(beforeDenied);
    expect(denied.map((e) => [e.action, e.data.attempted])).toStrictEqual([
      ['access.denied', 'user.disable'],
      ['access.denied', 'user.enable'],
    ]);
  });

  it('honours token expiry through the store directory', async () => {
    const { h, auth } = await bootstrapped(open);
    const expiresAt = new Date(h.clock.now().getTime() + 3_600_000).toISOString();
    const token = await createToken(h.deps, people.admin, { expiresAt });
    expect(token.expiresAt).toBe(expiresAt);
    expect((await auth(token.token)).id).toBe('alice.admin');
    h.clock.advance(3_600_000);
    expect((await refusal(auth(token.token))).code).toBe('unauthenticated');
    const past = await refusal(
      createToken(h.deps, people.admin, { expiresAt: '2020-01-01T00:00:00Z' }),
    );
    expect(past.code).toBe('invalid_input');
  });
});
