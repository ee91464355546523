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
