import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcVerifier } from '../../src/auth/index.js';
import { ClearanceError } from '../../src/domain/index.js';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

let server: Server;
let issuer: string;
let privateKey: PrivateKey;
let otherKey: PrivateKey;
let discoveryHits = 0;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') {
      discoveryHits += 1;
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (req.url === '/jwks') {
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface TokenOptions {
  key?: PrivateKey;
  iss?: string;
  aud?: string;
  exp?: number | string;
  sub?: string;
  claims?: Record<string, unknown>;
}

function token(options: TokenOptions = {}): Promise<string> {
  return new SignJWT({
    clearance_roles: ['risk_officer', 'model_owner:credit-risk-pd'],
    ...options.claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setSubject(options.sub ?? 'alice')
    .setIssuer(options.iss ?? issuer)
    .setAudience(options.aud ?? 'clearance')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m')
    .sign(options.key ?? privateKey);
}

function verifier() {
  return createOidcVerifier({ issuer, audience: 'clearance', rolesClaim: 'clearance_roles' });
}

async function rejection(promise: Promise<unknown>): Promise<ClearanceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ClearanceError);
  return error as ClearanceError;
}

describe('createOidcVerifier', () => {
  it('maps a valid token to a principal with role bindings, discovering the JWKS', async () => {
    const principal = await verifier().verify(await token());
    expect(principal).toEqual({
      id: 'alice',
      kind: 'user',
      roles: [{ role: 'risk_officer' }, { role: 'model_owner', model: 'credit-risk-pd' }],
    });
    expect(discoveryHits).toBeGreaterThan(0);
  });

  it('uses an explicit jwksUrl without discovery', async () => {
    const before = discoveryHits;
    const direct = createOidcVerifier({
      issuer,
      audience: 'clearance',
      rolesClaim: 'realm_access.roles',
      jwksUrl: `${issuer}/jwks`,
    });
    const jwt = await token({ claims: { realm_access: { roles: 'mlops tech_lead' } } });
    expect((await direct.verify(jwt)).roles).toEqual([{ role: 'mlops' }, { role: 'tech_lead' }]);
    expect(discoveryHits).toBe(before);
  });

  it('rejects a signed token whose subject or role holds NUL or an unpaired surrogate', async () => {
    for (const options of [
      { sub: 'ali\u0000ce' },
      { claims: { clearance_roles: ['risk_officer\ud800'] } },
      { claims: { clearance_roles: ['model_owner:a\u0000b'] } },
    ]) {
      const error = await rejection(verifier().verify(await token(options)));
      expect(error.code).toBe('unauthenticated');
      expect(error.message).toMatch(/NUL or an unpaired surrogate/);
    }
  });

  it('rejects an expired token', async () => {
    const expired = await token({ exp: Math.floor(Date.now() / 1000) - 3600 });
    expect((await rejection(verifier().verify(expired))).code).toBe('unauthenticated');
  });

  it('rejects a token from another issuer', async () => {
    const jwt = await token({ iss: 'https://evil.example' });
    expect((await rejection(verifier().verify(jwt))).code).toBe('unauthenticated');
  });

  it('rejects a token for another audience', async () => {
    const jwt = await token({ aud: 'someone-else' });
    expect((await rejection(verifier().verify(jwt))).code).toBe('unauthenticated');
  });

  it('rejects a token signed with another key', async () => {
    const jwt = await token({ key: otherKey });
    expect((await rejection(verifier().verify(jwt))).code).toBe('unauthenticated');
  });

  it('rejects garbage', async () => {
    expect((await rejection(verifier().verify('not.a.jwt'))).code).toBe('unauthenticated');
  });
});
