import { describe, expect, it } from 'vitest';
import {
  type AccountState,
  authenticate,
  can,
  createApiToken,
  hashTokenSecret,
  type IdentityDirectory,
  isTokenSecretValid,
  type OidcVerifier,
  parseApiToken,
  type StoredToken,
} from '../../src/auth/index.js';
import { ClearanceError, type RoleBinding } from '../../src/domain/index.js';

function directoryWith(
  tokens: Record<string, StoredToken>,
  roles: Record<string, RoleBinding[]>,
  accounts: Record<string, AccountState> = {},
) {
  const directory: IdentityDirectory = {
    findToken: async (id) => {
      const token = tokens[id];
      return token && { ...token, ...accounts[token.userId], roles: roles[token.userId] ?? [] };
    },
    findAccount: async (userId) => accounts[userId],
  };
  return directory;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ClearanceError);
    return (error as ClearanceError).code;
  }
}

describe('api tokens', () => {
  it('creates clr_<id>_<secret> tokens with 256-bit secrets that parse back', () => {
    const token = createApiToken();
    expect(token.display).toBe(`clr_${token.id}_${token.secret}`);
    expect(Buffer.from(token.secret, 'base64url')).toHaveLength(32);
    expect(parseApiToken(token.display)).toEqual({ id: token.id, secret: token.secret });
    expect(createApiToken().id).not.toBe(token.id);
  });

  it('refuses malformed tokens', () => {
    expect(parseApiToken('clr_abc_def')).toBeUndefined();
    expect(parseApiToken('eyJhbGciOi.x.y')).toBeUndefined();
  });

  it('hashes with SHA-256 hex and compares', () => {
    const token = createApiToken();
    const hashed = hashTokenSecret(token.secret);
    expect(hashed).toMatch(/^[0-9a-f]{64}$/);
    expect(isTokenSecretValid(token.secret, hashed)).toBe(true);
    expect(isTokenSecretValid(`${token.secret}x`, hashed)).toBe(false);
    expect(isTokenSecretValid(token.secret, 'short')).toBe(false);
  });
});

describe('authenticate', () => {
  const good = createApiToken();
  const revoked = createApiToken();
  const expired = createApiToken();
  const gone = createApiToken();
  const directory = directoryWith(
    {
      [good.id]: { hashedSecret: hashTokenSecret(good.secret), userId: 'bob' },
      [revoked.id]: {
        hashedSecret: hashTokenSecret(revoked.secret),
        userId: 'bob',
        revokedAt: '2026-01-01T00:00:00.000Z',
      },
      [expired.id]: {
        hashedSecret: hashTokenSecret(expired.secret),
        userId: 'bob',
        expiresAt: '2020-01-01T00:00:00.000Z',
      },
      [gone.id]: { hashedSecret: hashTokenSecret(gone.secret), userId: 'dora.departed' },
    },
    { bob: [{ role: 'mlops' }], 'dora.departed': [{ role: 'admin' }] },
    { bob: {}, 'dora.departed': { disabledAt: '2026-01-02T00:00:00.000Z' } },
  );

  it('accepts an API token and returns its user with roles', async () => {
    const principal = await authenticate(
      { authorization: `Bearer ${good.display}` },
      { directory },
    );
    expect(principal).toEqual({ id: 'bob', kind: 'user', roles: [{ role: 'mlops' }] });
  });

  it('rejects missing, malformed, wrong, revoked and expired credentials', async () => {
    const wrongSecret = `clr_${good.id}_${createApiToken().secret}`;
    for (const authorization of [
      undefined,
      'Basic Ym9iOnB3',
      `Bearer ${wrongSecret}`,
      `Bearer ${revoked.display}`,
      `Bearer ${expired.display}`,
      'Bearer clr_nope',
      'Bearer eyJ.jwt.without-oidc',
    ]) {
      expect(await codeOf(authenticate({ authorization }, { directory }))).toBe('unauthenticated');
    }
  });

  it('hands non-token bearer credentials to the OIDC verifier', async () => {
    const oidc: OidcVerifier = {
      verify: async (jwt) => ({ id: `jwt:${jwt}`, kind: 'user', roles: [] }),
    };
    const principal = await authenticate(
      { authorization: 'Bearer abc.def.ghi' },
      { directory, oidc },
    );
    expect(principal.id).toBe('jwt:abc.def.ghi');
  });

  it('refuses every credential of a disabled account, saying so', async () => {
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: unknown) => error as ClearanceError,
      );
    const byToken = await refusal(
      authenticate({ authorization: `Bearer ${gone.display}` }, { directory }),
    );
    expect(byToken?.code).toBe('unauthenticated');
    expect(byToken?.message).toBe('The account of user dora.departed is disabled.');
    const oidc: OidcVerifier = {
      verify: async (jwt) => ({ id: jwt.replace(/\.x\.y$/, ''), kind: 'user', roles: [] }),
    };
    const byJwt = await refusal(
      authenticate({ authorization: 'Bearer dora.departed.x.y' }, { directory, oidc }),
    );
    expect(byJwt?.code).toBe('unauthenticated');
    expect(byJwt?.message).toBe('The account of user dora.departed is disabled.');
    // A stored user in use, and a subject Clearance does not store, sign in as before.
    for (const subject of ['bob', 'oidc-only']) {
      const principal = await authenticate(
        { authorization: `Bearer ${subject}.x.y` },
        { directory, oidc },
      );
      expect(principal.id).toBe(subject);
    }
  });
});

describe('can', () => {
  const principal = {
    id: 'carol',
    kind: 'user' as const,
    roles: [{ role: 'risk_officer' }, { role: 'model_owner', model: 'credit-risk-pd' }],
  };
  it('honours global and per-model bindings', () => {
    expect(can(principal, 'risk_officer', 'anything')).toBe(true);
    expect(can(principal, 'model_owner', 'credit-risk-pd')).toBe(true);
    expect(can(principal, 'model_owner', 'fraud')).toBe(false);
    expect(can(principal, 'model_owner')).toBe(false);
    expect(can(principal, 'mlops')).toBe(false);
  });
});
