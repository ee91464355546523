import { afterEach, describe, expect, it } from 'vitest';
import type { ServingView } from '../../src/domain/index.js';
import { stubServer } from './fixture.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('GET /api/v1/models/{name}/serving', () => {
  it('sends a weak ETag and Cache-Control, answers 304 to a matching If-None-Match', async () => {
    let view: ServingView = {
      model: 'credit-risk-pd',
      production: { version: '1.0.0', since: '2026-03-01T09:00:00.000Z' },
    };
    const { app, identity } = stubServer({ serving: async () => view });
    close = () => app.close();
    const authorization = identity.bearer('svc', 'auditor');
    const url = '/api/v1/models/credit-risk-pd/serving';

    const first = await app.inject({ method: 'GET', url, headers: { authorization } });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual(view);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^W\/".+"$/);
    expect(first.headers['cache-control']).toContain('max-age=5');

    const again = await app.inject({
      method: 'GET',
      url,
      headers: { authorization, 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);

    view = { ...view, production: { version: '1.1.0', since: '2026-03-02T09:00:00.000Z' } };
    const changed = await app.inject({
      method: 'GET',
      url,
      headers: { authorization, 'if-none-match': etag },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.json().production.version).toBe('1.1.0');
  });

  it('puts ETags on other reads too, with private, no-cache', async () => {
    const { app, identity } = stubServer({ listModels: async () => [] });
    close = () => app.close();
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/models',
      headers: { authorization: identity.bearer('ann', 'auditor') },
    });
    expect(response.headers.etag).toMatch(/^W\//);
    expect(response.headers['cache-control']).toBe('private, no-cache');
  });
});
