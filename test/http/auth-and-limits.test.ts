import { afterEach, describe, expect, it } from 'vitest';
import type { EvidenceRecord } from '../../src/domain/index.js';
import { stubServer } from './fixture.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

function server(...args: Parameters<typeof stubServer>) {
  const built = stubServer(...args);
  close = () => built.app.close();
  return built;
}

describe('authentication', () => {
  it('answers 401 problem details without a token', async () => {
    const { app } = server({ listModels: async () => [] });
    const response = await app.inject({ method: 'GET', url: '/api/v1/models' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: 'unauthenticated', status: 401 });
  });

  it('answers 401 for an unknown token and a JWT when OIDC is off', async () => {
    const { app } = server({ listModels: async () => [] });
    for (const authorization of [
      'Bearer clr_000000000000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'Bearer eyJhbGciOiJFUzI1NiJ9.e30.sig',
    ]) {
      const response = await app.inject({
        method: 'GET',
        url: '/api/v1/models',
        headers: { authorization },
      });
      expect(response.statusCode).toBe(401);
    }
  });

  it('passes the authenticated principal to the use case', async () => {
    const seen: string[] = [];
    const { app, identity } = server({
      listModels: async (principal) => {
        seen.push(`${principal.id}:${principal.roles.map((r) => r.role).join(',')}`);
        return [];
      },
    });
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/models',
      headers: { authorization: identity.bearer('ann', 'auditor') },
    });
    expect(response.statusCode).toBe(200);
    expect(seen).toEqual(['ann:auditor']);
  });

  it('serves /healthz and the OpenAPI document without a token', async () => {
    const { app } = server();
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const doc = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(doc.statusCode).toBe(200);
  });
});

describe('evidence upload and body limits', () => {
  it('passes raw bytes and the path to attachEvidence', async () => {
    const calls: { path: string; size: number }[] = [];
    const { app, identity } = server({
      mayAttachEvidence: async () => undefined,
      attachEvidence: async (_principal, input) => {
        calls.push({ path: input.path, size: input.bytes.length });
        const record: EvidenceRecord = {
          model: input.model,
          version: input.version,
          kind: 'metrics',
          path: input.path,
          digest: 'sha256:00',
          size: input.bytes.length,
          mediaType: 'application/json',
          attachedAt: '2026-03-01T09:00:00.000Z',
          attachedBy: 'ann',
        };
        return [record];
      },
    });
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/models/m/versions/1.0.0/evidence?path=metrics.json',
      headers: {
        authorization: identity.bearer('ann', 'model_owner'),
        'content-type': 'application/octet-stream',
      },
      payload: Buffer.from('{"auc":0.8}'),
    });
    expect(response.statusCode).toBe(201);
    expect(calls).toEqual([{ path: 'metrics.json', size: 11 }]);
    expect(response.json()[0]).toMatchObject({ path: 'metrics.json', kind: 'metrics' });
  });

  it('refuses a body over bodyLimitBytes with 413 problem details', async () => {
    let called = false;
    const { app, identity } = server({
      mayAttachEvidence: async () => undefined,
      attachEvidence: async () => {
        called = true;
        return [];
      },
    });
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/models/m/versions/1.0.0/evidence?path=big.csv',
      headers: {
        authorization: identity.bearer('ann', 'model_owner'),
        'content-type': 'application/octet-stream',
      },
      payload: Buffer.alloc(4096, 1),
    });
    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: 'body_too_large', status: 413 });
    expect(called).toBe(false);
  });

  it('refuses an oversized JSON body with 413 too', async () => {
    const { app, identity } = server();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/policies',
      headers: { authorization: identity.bearer('ann', 'admin') },
      payload: { text: 'x'.repeat(4096) },
    });
    expect(response.statusCode).toBe(413);
  });
});

describe('failed authentication is rate limited per client address', () => {
  const badToken = `Bearer clr_${'0'.repeat(24)}_${'A'.repeat(43)}`;

  it('answers 429 with Retry-After once an address is past the limit, and lets valid tokens pass', async () => {
    const { app, identity } = server(
      { listModels: async () => [] },
      { authFailureLimit: { max: 3, windowSeconds: 60 } },
    );
    const call = (authorization: string, remoteAddress = '10.0.0.1') =>
      app.inject({
        method: 'GET',
        url: '/api/v1/models',
        headers: { authorization },
        remoteAddress,
      });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(badToken)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const limited = await call(badToken);
    expect(limited.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.json()).toMatchObject({ code: 'too_many_requests', status: 429 });
    // Successful requests from the same address are neither counted nor refused.
    expect((await call(identity.bearer('ann', 'auditor'))).statusCode).toBe(200);
    // Another address has its own count.
    expect((await call(badToken, '10.0.0.2')).statusCode).toBe(401);
  });

  it('counts the client named by X-Forwarded-For only behind a trusted proxy', async () => {
    const statuses = async (trustProxy: string | undefined) => {
      const { app } = server(
        { listModels: async () => [] },
        { authFailureLimit: { max: 1, windowSeconds: 60 }, ...(trustProxy ? { trustProxy } : {}) },
      );
      const out: number[] = [];
      for (const client of ['10.0.0.9', '10.0.0.9', '10.0.0.10']) {
        const response = await app.inject({
          method: 'GET',
          url: '/api/v1/models',
          headers: { authorization: badToken, 'x-forwarded-for': client },
          remoteAddress: '127.0.0.1',
        });
        out.push(response.statusCode);
      }
      await app.close();
      return out;
    };
    expect(await statuses('127.0.0.1')).toEqual([401, 429, 401]);
    expect(await statuses(undefined)).toEqual([401, 429, 429]);
  });

  it('does not count requests that authenticate', async () => {
    const { app, identity } = server(
      { listModels: async () => [] },
      { authFailureLimit: { max: 2, windowSeconds: 60 } },
    );
    const authorization = identity.bearer('ann', 'auditor');
    for (let i = 0; i < 10; i++) {
      const ok = await app.inject({
        method: 'GET',
        url: '/api/v1/models',
        headers: { authorization },
      });
      expect(ok.statusCode).toBe(200);
    }
    const bad = await app.inject({
      method: 'GET',
      url: '/api/v1/models',
      headers: { authorization: badToken },
    });
    expect(bad.statusCode).toBe(401);
  });
});

describe('credentials in the query string', () => {
  it('refuses ?token= and ?access_token= with 400 pointing to the Authorization header', async () => {
    let called = false;
    const { app, identity } = server({
      listModels: async () => {
        called = true;
        return [];
      },
    });
    const token = identity.bearer('ann', 'auditor').slice('Bearer '.length);
    for (const query of [`token=${token}`, 'access_token=abc', `q=${token}`, 'API_KEY=x']) {
      const response = await app.inject({
        method: 'GET',
        url: `/api/v1/models?${query}`,
        headers: { authorization: identity.bearer('ann', 'auditor') },
      });
      expect(response.statusCode, query).toBe(400);
      const body = response.json();
      expect(body.code).toBe('invalid_input');
      expect(body.problems[0].fix).toMatch(/Authorization header/);
      expect(response.body).not.toContain(token);
    }
    expect(called).toBe(false);
  });

  it('keeps query strings and credentials out of the request log', async () => {
    const lines: string[] = [];
    const { app, identity } = server(
      { listModels: async () => [] },
      { logger: { level: 'info', stream: { write: (line) => lines.push(line) } } },
    );
    const authorization = identity.bearer('ann', 'auditor');
    const secret = authorization.slice('Bearer '.length);
    await app.inject({
      method: 'GET',
      url: `/api/v1/models?token=${secret}`,
      headers: { authorization },
    });
    await app.inject({
      method: 'GET',
      url: '/api/v1/models?note=private',
      headers: { authorization },
    });
    const log = lines.join('');
    expect(log).toContain('/api/v1/models?[redacted]');
    expect(log).not.toContain(secret);
    expect(log).not.toContain('private');
  });
});

describe('security headers', () => {
  it('sends CSP, nosniff and frame denial on answers, errors and the OpenAPI document', async () => {
    const { app, identity } = server({ listModels: async () => [] });
    const responses = [
      await app.inject({
        method: 'GET',
        url: '/api/v1/models',
        headers: { authorization: identity.bearer('ann', 'auditor') },
      }),
      await app.inject({ method: 'GET', url: '/api/v1/models' }),
      await app.inject({ method: 'GET', url: '/api/v1/openapi.json' }),
      await app.inject({ method: 'GET', url: '/nope' }),
      // Answered by Fastify before any hook runs (frameworkErrors): a badly encoded path.
      await app.inject({ method: 'GET', url: '/api/v1/models/%E0%A4%A' }),
    ];
    for (const response of responses) {
      expect(response.headers['content-security-policy']).toBe(
        "default-src 'none';frame-ancestors 'none'",
      );
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(response.headers['strict-transport-security']).toBe(
        'max-age=31536000; includeSubDomains',
      );
      expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(response.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['origin-agent-cluster']).toBe('?1');
      expect(response.headers['x-dns-prefetch-control']).toBe('off');
      expect(response.headers['x-download-options']).toBe('noopen');
      expect(response.headers['x-permitted-cross-domain-policies']).toBe('none');
      expect(response.headers['x-xss-protection']).toBe('0');
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
    expect(responses[2]?.statusCode).toBe(200);
    expect(responses[4]?.statusCode).toBe(400);
    expect(responses[2]?.json().openapi).toBe('3.1.0');
  });
});

describe('Idempotency-Key', () => {
  it('refuses a key that is not printable ASCII before it reaches the store', async () => {
    let called = false;
    const { app, identity } = server({
      registerPolicy: async () => {
        called = true;
        throw new Error('unused');
      },
    });
    for (const key of ['a\u0000b', 'é'.repeat(3), 'x'.repeat(256)]) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/policies',
        headers: { authorization: identity.bearer('ann', 'admin'), 'idempotency-key': key },
        payload: { text: 'x' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().detail).toMatch(/Idempotency-Key .* printable ASCII/);
    }
    expect(called).toBe(false);
  });
});
