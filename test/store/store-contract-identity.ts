import { expect, it } from 'vitest';
import type { Store } from '../../src/app/shared/ports.js';
import type { ApiTokenRecord, ClearanceError, RoleGrant, User } from '../../src/domain/index.js';
import { approval, at, digestOf, later, request, seedVersion, unique } from './fixtures.js';
import { errorOf } from './store-contract.js';

function user(overrides: Partial<User> = {}): User {
  return { id: unique('user'), createdAt: at, createdBy: 'system:bootstrap', ...overrides };
}

function grant(userId: string, role: string, model?: string): RoleGrant {
  return {
    id: unique('grant'),
    userId,
    role,
    ...(model === undefined ? {} : { model }),
    grantedAt: at,
    grantedBy: 'alice',
  };
}

function token(userId: string, overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    id: unique('tok'),
    userId,
    hashedSecret: digestOf(unique('secret')).slice(7),
    description: 'ci pipeline',
    createdAt: at,
    createdBy: 'alice',
    ...overrides,
  };
}

export function identityContract(store: () => Store): void {
  it('stores, counts and lists users with optional fields', async () => {
    const before = await store().transaction((tx) => tx.identity.countUsers());
    const full = user({ displayName: 'Olga Owner', team: 'risk-ml' });
    const bare = user();
    await store().transaction(async (tx) => {
      await tx.identity.insertUser(full);
      await tx.identity.insertUser(bare);
    });
    expect(await store().transaction((tx) => tx.identity.getUser(full.id))).toStrictEqual(full);
    expect(await store().transaction((tx) => tx.identity.getUser(bare.id))).toStrictEqual(bare);
    expect(await store().transaction((tx) => tx.identity.getUser('nobody'))).toBeUndefined();
    expect(await store().transaction((tx) => tx.identity.countUsers())).toBe(before + 2);
    const ids = (await store().transaction((tx) => tx.identity.listUsers())).map((u) => u.id);
    expect(ids).toEqual(expect.arrayContaining([full.id, bare.id]));
    expect(ids).toStrictEqual([...ids].sort());
  });

  it('disables a user and enables it again, reading disabledAt back', async () => {
    const u = user({ displayName: 'Dora Departed' });
    await store().transaction((tx) => tx.identity.insertUser(u));
    const get = () => store().transaction((tx) => tx.identity.getUser(u.id));
    const set = (when: string | undefined) =>
      store().transaction((tx) => tx.identity.setDisabledAt(u.id, when));
    expect(await set(later)).toBe(true);
    expect(await get()).toStrictEqual({ ...u, disabledAt: later });
    const listed = await store().transaction((tx) => tx.identity.listUsers());
    expect(listed.find((l) => l.id === u.id)?.disabledAt).toBe(later);
    expect(await set(undefined)).toBe(true);
    expect(await get()).toStrictEqual(u);
    expect(await store().transaction((tx) => tx.identity.setDisabledAt('nobody', later))).toBe(
      false,
    );
  });

  it('refuses a second user with the same id as a conflict', async () => {
    const u = user();
    await store().transaction((tx) => tx.identity.insertUser(u));
    const error = await errorOf(store().transaction((tx) => tx.identity.insertUser(u)));
    expect((error as ClearanceError).code).toBe('conflict');
  });

  it('grants, lists and revokes global and per-model roles', async () => {
    const u = user();
    await store().transaction(async (tx) => {
      await tx.identity.insertUser(u);
      await tx.identity.grantRole(grant(u.id, 'model_owner', 'credit-risk-pd'));
      await tx.identity.grantRole(grant(u.id, 'model_owner'));
      await tx.identity.grantRole(grant(u.id, 'auditor'));
    });
    expect(await store().transaction((tx) => tx.identity.rolesOf(u.id))).toStrictEqual([
      { role: 'auditor' },
      { role: 'model_owner' },
      { role: 'model_owner', model: 'credit-risk-pd' },
    ]);
    const grants = (await store().transaction((tx) => tx.identity.listRoleGrants())).filter(
      (g) => g.userId === u.id,
    );
    expect(grants.map((g) => [g.role, g.model, g.grantedBy, g.grantedAt])).toStrictEqual([
      ['auditor', undefined, 'alice', at],
      ['model_owner', undefined, 'alice', at],
      ['model_owner', 'credit-risk-pd', 'alice', at],
    ]);
    const removed = await store().transaction((tx) =>
      tx.identity.revokeRole(u.id, { role: 'model_owner' }),
    );
    const again = await store().transaction((tx) =>
      tx.identity.revokeRole(u.id, { role: 'model_owner' }),
    );
    expect([removed, again]).toStrictEqual([true, false]);
    expect(await store().transaction((tx) => tx.identity.rolesOf(u.id))).toStrictEqual([
      { role: 'auditor' },
      { role: 'model_owner', model: 'credit-risk-pd' },
    ]);
    expect(await store().transaction((tx) => tx.identity.rolesOf('nobody'))).toStrictEqual([]);
  });

  it('reads the role bindings of a request’s signers by the request’s id, as rolesOfUsers would', async () => {
    // c is stored and holds no role: listed with none, not left out as one Clearance does not store.
    const [a, b, c] = [user(), user(), user()];
    const { signed, unsigned } = await store().transaction(async (tx) => {
      for (const u of [a, b, c]) await tx.identity.insertUser(u);
      await tx.identity.grantRole(grant(a.id, 'tech_lead'));
      await tx.identity.grantRole(grant(a.id, 'model_owner', 'credit-risk-pd'));
      const { version } = await seedVersion(tx);
      const [signedRequest, other] = [request(version), request(version)];
      await tx.requests.insert(signedRequest);
      await tx.requests.insert(other);
      // a twice (approve, then reject), b not at all, and a signer Clearance does not store.
      await tx.approvals.insert(approval(signedRequest.id, a.id));
      await tx.approvals.insert({ ...approval(signedRequest.id, a.id), decision: 'reject' });
      await tx.approvals.insert(approval(signedRequest.id, 'oidc-subject'));
      await tx.approvals.insert(approval(signedRequest.id, c.id));
      await tx.approvals.insert(approval(other.id, b.id));
      return { signed: signedRequest.id, unsigned: unique('request') };
    });
    const byRole = (x: { role: string }, y: { role: string }) => x.role.localeCompare(y.role);
    const sorted = (held: Map<string, readonly { role: string }[]>) =>
      new Map([...held].map(([id, roles]) => [id, [...roles].sort(byRole)]));
    const [found, expected, none] = await store().transaction((tx) =>
      Promise.all([
        tx.identity.rolesOfApproversOf(signed),
        tx.identity.rolesOfUsers([a.id, c.id, 'oidc-subject']),
        tx.identity.rolesOfApproversOf(unsigned),
      ]),
    );
    expect([...found.keys()].sort()).toStrictEqual([a.id, c.id].sort());
    expect(found.get(c.id)).toStrictEqual([]);
    expect(sorted(found)).toStrictEqual(sorted(expected));
    expect(none).toStrictEqual(new Map());
  });

  it('reads several users’ role bindings at once, as rolesOf would, leaving out unknown ids', async () => {
    const [a, b, c] = [user(), user(), user()];
    await store().transaction(async (tx) => {
      for (const u of [a, b, c]) await tx.identity.insertUser(u);
      await tx.identity.grantRole(grant(a.id, 'model_owner', 'credit-risk-pd'));
      await tx.identity.grantRole(grant(a.id, 'auditor'));
      await tx.identity.grantRole(grant(b.id, 'tech_lead'));
    });
    const ids = [a.id, b.id, c.id, 'nobody'];
    const together = await store().transaction((tx) => tx.identity.rolesOfUsers(ids));
    const byRole = (x: { role: string }, y: { role: string }) => x.role.localeCompare(y.role);
    expect([...together.keys()].sort()).toStrictEqual([a.id, b.id, c.id].sort());
    for (const u of [a, b, c]) {
      const one = await store().transaction((tx) => tx.identity.rolesOf(u.id));
      expect([...(together.get(u.id) ?? [])].sort(byRole)).toStrictEqual([...one].sort(byRole));
    }
    expect(await store().transaction((tx) => tx.identity.rolesOfUsers([]))).toStrictEqual(
      new Map(),
    );
    // One and two users go through one compiled-once statement (ADR 033): the same answers.
    for (const few of [[a.id], [b.id, a.id], [c.id, 'nobody'], ['nobody']]) {
      const got = await store().transaction((tx) => tx.identity.rolesOfUsers(few));
      const expected = new Map([...together].filter(([id]) => few.includes(id)));
      expect(new Map([...got].map(([id, roles]) => [id, [...roles].sort(byRole)]))).toStrictEqual(
        new Map([...expected].map(([id, roles]) => [id, [...roles].sort(byRole)])),
      );
    }
  });

  it('lists the holders of some roles for a model as the full binding list would, with their accounts', async () => {
    const model = unique('model');
    // Roles of this test alone: the store is shared with the other tests of the suite.
    const [lead, risk, reader] = [unique('lead'), unique('risk'), unique('reader')];
    const [a, b, c, d] = [
      user({ displayName: 'Ada' }),
      user(),
      user({ displayName: 'Cy' }),
      user(),
    ];
    await store().transaction(async (tx) => {
      for (const u of [a, b, c, d]) await tx.identity.insertUser(u);
      await tx.identity.setDisabledAt(c.id, later);
      await tx.identity.grantRole(grant(a.id, lead));
      await tx.identity.grantRole(grant(a.id, lead, model));
      await tx.identity.grantRole(grant(b.id, lead, model));
      await tx.identity.grantRole(grant(b.id, risk, 'another-model'));
      await tx.identity.grantRole(grant(c.id, risk));
      await tx.identity.grantRole(grant(d.id, reader));
      await tx.identity.grantRole(grant(d.id, lead, 'another-model'));
    });
    const roles = [lead, risk];
    // The reference: every binding and every user, filtered here.
    const expected = await store().transaction(async (tx) => {
      const grants = (await tx.identity.listRoleGrants()).filter(
        (g) => roles.includes(g.role) && (g.model === undefined || g.model === model),
      );
      const out = [];
      for (const g of grants) {
        const u = await tx.identity.getUser(g.userId);
        out.push({
          userId: g.userId,
          role: g.role,
          ...(u?.displayName ? { displayName: u.displayName } : {}),
          ...(u?.disabledAt ? { disabledAt: u.disabledAt } : {}),
        });
      }
      return out;
    });
    const got = await store().transaction((tx) => tx.identity.holdersOfRoles({ roles, model }));
    // In user id order; one user's bindings of several roles in no particular order.
    expect(got.map((h) => h.userId)).toStrictEqual(expected.map((h) => h.userId));
    const key = (h: { userId: string; role: string }) => `${h.userId}\u0000${h.role}`;
    const sorted = (list: typeof got) =>
      [...list].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
    expect(sorted(got)).toStrictEqual(sorted(expected));
    expect(new Set(got.map((h) => h.userId))).toStrictEqual(new Set([a.id, b.id, c.id]));
    expect(got.find((h) => h.userId === c.id)?.disabledAt).toBe(later);
    expect(got.filter((h) => h.userId === a.id)).toHaveLength(2);
    expect(
      await store().transaction((tx) => tx.identity.holdersOfRoles({ roles: [], model })),
    ).toStrictEqual([]);
    expect(
      await store().transaction((tx) =>
        tx.identity.holdersOfRoles({ roles: [reader], model: 'another-model' }),
      ),
    ).toStrictEqual([{ userId: d.id, role: reader }]);
  });

  it('refuses the same role binding twice as a conflict', async () => {
    const u = user();
    await store().transaction(async (tx) => {
      await tx.identity.insertUser(u);
      await tx.identity.grantRole(grant(u.id, 'risk_officer'));
      await tx.identity.grantRole(grant(u.id, 'risk_officer', 'fraud'));
    });
    for (const model of [undefined, 'fraud']) {
      const error = await errorOf(
        store().transaction((tx) => tx.identity.grantRole(grant(u.id, 'risk_officer', model))),
      );
      expect((error as ClearanceError).code).toBe('conflict');
    }
  });

  it('stores tokens by hash, lists them per user and revokes them', async () => {
    const u = user();
    const other = user();
    const expiring = token(u.id, { expiresAt: later });
    const plain = token(u.id, { createdAt: later });
    await store().transaction(async (tx) => {
      await tx.identity.insertUser(u);
      await tx.identity.insertUser(other);
      await tx.identity.insertToken(expiring);
      await tx.identity.insertToken(plain);
      await tx.identity.insertToken(token(other.id));
    });
    expect(await store().transaction((tx) => tx.identity.getToken(expiring.id))).toStrictEqual(
      expiring,
    );
    expect(await store().transaction((tx) => tx.identity.getToken('nope'))).toBeUndefined();
    const mine = await store().transaction((tx) => tx.identity.listTokens(u.id));
    expect(mine).toStrictEqual([expiring, plain]);
    const all = await store().transaction((tx) => tx.identity.listTokens());
    expect(all.length).toBeGreaterThanOrEqual(3);
    await store().transaction((tx) => tx.identity.revokeToken(plain.id, later, 'alice'));
    expect(await store().transaction((tx) => tx.identity.getToken(plain.id))).toStrictEqual({
      ...plain,
      revokedAt: later,
      revokedBy: 'alice',
    });
    const missing = await errorOf(
      store().transaction((tx) => tx.identity.revokeToken('nope', later, 'alice')),
    );
    expect((missing as ClearanceError).code).toBe('not_found');
  });

  it('rolls identity writes back with the transaction', async () => {
    const u = user();
    await errorOf(
      store().transaction(async (tx) => {
        await tx.identity.insertUser(u);
        await tx.identity.insertToken(token(u.id));
        throw new Error('abort');
      }),
    );
    expect(await store().transaction((tx) => tx.identity.getUser(u.id))).toBeUndefined();
    expect(await store().transaction((tx) => tx.identity.listTokens(u.id))).toStrictEqual([]);
  });

  it('moves the identity epoch with every identity change, and only when it commits', async () => {
    const epoch = () => store().readOne((tx) => tx.identity.epoch());
    const u = user();
    const t = token(u.id);
    const steps: [string, () => Promise<unknown>][] = [
      ['insertUser', () => store().transaction((tx) => tx.identity.insertUser(u))],
      ['grantRole', () => store().transaction((tx) => tx.identity.grantRole(grant(u.id, 'mlops')))],
      [
        'revokeRole',
        () => store().transaction((tx) => tx.identity.revokeRole(u.id, { role: 'mlops' })),
      ],
      ['setEmail', () => store().transaction((tx) => tx.identity.setEmail(u.id, 'al@example.com'))],
      [
        'setEmail (removed)',
        () => store().transaction((tx) => tx.identity.setEmail(u.id, undefined)),
      ],
      ['setDisabledAt', () => store().transaction((tx) => tx.identity.setDisabledAt(u.id, later))],
      ['insertToken', () => store().transaction((tx) => tx.identity.insertToken(t))],
      [
        'revokeToken',
        () => store().transaction((tx) => tx.identity.revokeToken(t.id, later, 'al')),
      ],
    ];
    for (const [name, step] of steps) {
      const before = await epoch();
      await step();
      expect({ name, moved: (await epoch()) > before }).toStrictEqual({ name, moved: true });
    }
    const unchanged = await epoch();
    // Revoking a role the user does not hold changes nothing, so nothing moves.
    expect(await store().transaction((tx) => tx.identity.revokeRole(u.id, { role: 'mlops' }))).toBe(
      false,
    );
    const rolledBack = await errorOf(
      store().transaction(async (tx) => {
        await tx.identity.grantRole(grant(u.id, 'auditor'));
        throw new Error('abort');
      }),
    );
    expect((rolledBack as Error).message).toBe('abort');
    expect(await epoch()).toBe(unchanged);
    expect(await store().read((tx) => tx.identity.epoch())).toBe(unchanged);
  });
}
