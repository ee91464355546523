/**
 * Text and depth checks at the HTTP edge, on the real use cases over SQLite and PostgreSQL: a NUL
 * (U+0000) or an unpaired surrogate anywhere in a path parameter, query value or JSON body, or a
 * JSON body nested deeper than 64 levels, is 400 problem details before any store access, and
 * changes nothing. PostgreSQL is where a NUL used to answer 500.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { maxJsonDepth } from '../../src/http/input-guards.js';
import { forEachStore, type StoreHarness, setupModel } from '../app/harness.js';
import { testIdentity } from './fixture.js';
import { serveHarness } from './serve-harness.js';

const model = 'home-feed';
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

forEachStore('text and depth at the HTTP edge', (open) => {
  async function serve() {
    const h = await open();
    await setupModel(h, 'recommender', model, 'medium');
    const identity = testIdentity();
    app = serveHarness(h, { directory: identity.directory });
    return { h, app, identity };
  }

  async function auditSize(h: StoreHarness): Promise<number> {
    return h.deps.store.read((tx) => tx.audit.size());
  }

  function expectRefused(response: { statusCode: number; headers: object; json(): unknown }) {
    expect(response.statusCode).toBe(400);
    expect(response.headers).toMatchObject({
      'content-type': expect.stringMatching(/^application\/problem\+json/),
    });
    return response.json() as { code: string; detail: string; problems: { fix: string }[] };
  }

  it('refuses a NUL in a path parameter, even from a user with no role', async () => {
    const { h, app, identity } = await serve();
    const before = await auditSize(h);
    for (const url of ['/api/v1/requests/a%00b', `/api/v1/models/a%00b`, '/api/v1/decisions/%00']) {
      const response = await app.inject({
        method: 'GET',
        url,
        headers: { authorization: identity.bearer('nobody') },
      });
      const body = expectRefused(response);
      expect(body.code).toBe('invalid_input');
      expect(body.detail).toMatch(/path parameter .* NUL character/);
    }
    expect(await auditSize(h)).toBe(before);
  });

  it('refuses a NUL in a query value (evidence path, media type) and stores nothing', async () => {
    const { h, app, identity } = await serve();
    const authorization = identity.bearer('ci', 'mlops');
    const created = await app.inject({
      method: 'POST',
      url: `/api/v1/models/${model}/versions`,
      headers: { authorization },
      payload: {
        version: '1.0.0',
        artifactUri: 's3://m/1',
        artifactDigest: `sha256:${'ab'.repeat(32)}`,
        lineage: {},
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const before = await auditSize(h);
    for (const query of ['path=a%00b.json', 'path=metrics.json&mediaType=application/json%00']) {
      const response = await app.inject({
        method: 'POST',
        url: `/api/v1/models/${model}/versions/1.0.0/evidence?${query}`,
        headers: { authorization, 'content-type': 'application/octet-stream' },
        payload: Buffer.from('{"auc":0.8}'),
      });
      expect(expectRefused(response).detail).toMatch(/query parameter (path|mediaType)/);
    }
    // The upload route authorises (reading the store) before its body: the path is checked first.
    const named = await app.inject({
      method: 'POST',
      url: '/api/v1/models/a%00b/versions/1.0.0/evidence?path=metrics.json',
      headers: { authorization, 'content-type': 'application/octet-stream' },
      payload: Buffer.from('{"auc":0.8}'),
    });
    expect(expectRefused(named).detail).toMatch(/path parameter name .* NUL/);
    expect(await auditSize(h)).toBe(before);
    const evidence = await h.deps.store.read((tx) => tx.evidence.list(model, '1.0.0'));
    expect(evidence).toEqual([]);
  });

  it('refuses NUL and unpaired surrogates in JSON strings and keys, however deep', async () => {
    const { h, app, identity } = await serve();
    const authorization = identity.bearer('ci', 'mlops');
    const before = await auditSize(h);
    const version = (lineage: string) =>
      `{"version":"2.0.0","artifactUri":"s3://m/2","artifactDigest":"sha256:${'ab'.repeat(32)}","lineage":${lineage}}`;
    const cases = [
      [version('{"codeCommit":"a\\u0000b"}'), /body at \/lineage\/codeCommit .* NUL/],
      [version('{"notes":{"x":["ok","\\ud800"]}}'), /body at \/lineage\/notes\/x\/1 .* surrogate/],
      [version('{"a\\u0000":1}'), /body key at \/lineage\/a\\u0000 .* NUL/],
      [version('{"seed":"\\udc00\\ud800"}'), /surrogate/],
    ] as const;
    for (const [payload, detail] of cases) {
      const response = await app.inject({
        method: 'POST',
        url: `/api/v1/models/${model}/versions`,
        headers: { authorization, 'content-type': 'application/json' },
        payload,
      });
      expect(expectRefused(response).detail).toMatch(detail);
    }
    // A well-formed pair (an emoji) is text like any other.
    const emoji = await app.inject({
      method: 'POST',
      url: `/api/v1/models/${model}/versions`,
      headers: { authorization, 'content-type': 'application/json' },
      payload: version('{"notes":"\\ud83d\\ude00"}'),
    });
    expect(emoji.statusCode, emoji.body).toBe(201);
    expect(await auditSize(h)).toBe(before + 1);
  });

  it('refuses a lineage nested 4,500 levels with 400 and commits nothing', async () => {
    const { h, app, identity } = await serve();
    const authorization = identity.bearer('ci', 'mlops');
    const before = await auditSize(h);
    const deep = `${'{"a":'.repeat(4500)}1${'}'.repeat(4500)}`;
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1/models/${model}/versions`,
      headers: { authorization, 'content-type': 'application/json' },
      payload: `{"version":"3.0.0","artifactUri":"s3://m/3","artifactDigest":"sha256:${'ab'.repeat(32)}","lineage":${deep}}`,
    });
    const body = expectRefused(response);
    expect(body.detail).toMatch(/nests deeper than 64 levels/);
    expect(await auditSize(h)).toBe(before);
    const versions = await app.inject({
      method: 'GET',
      url: `/api/v1/models/${model}/versions`,
      headers: { authorization },
    });
    expect(versions.statusCode).toBe(200);
    expect(versions.json()).toEqual([]);
  });

  it(`accepts a body exactly ${maxJsonDepth} levels deep and refuses one level more`, async () => {
    const { app, identity } = await serve();
    const authorization = identity.bearer('ci', 'mlops');
    const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    const post = (lineageLevels: number, v: string) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/models/${model}/versions`,
        headers: { authorization, 'content-type': 'application/json' },
        // The body object and `lineage` are two levels; the rest is arrays inside `notes`.
        payload: `{"version":"${v}","artifactUri":"s3://m/4","artifactDigest":"sha256:${'ab'.repeat(32)}","lineage":{"notes":${nested(lineageLevels)}}}`,
      });
    const over = await post(maxJsonDepth - 1, '4.0.1');
    expect(expectRefused(over).detail).toMatch(/nests deeper/);
    const atLimit = await post(maxJsonDepth - 2, '4.0.0');
    expect(atLimit.statusCode, atLimit.body).toBe(201);
  });

  it('types the lineage fields the gates read, and keeps the others as sent', async () => {
    const { h, app, identity } = await serve();
    const authorization = identity.bearer('ci', 'mlops');
    const register = (v: string, lineage: unknown) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/models/${model}/versions`,
        headers: { authorization },
        payload: {
          version: v,
          artifactUri: 's3://m/5',
          artifactDigest: `sha256:${'ab'.repeat(32)}`,
          lineage,
        },
      });
    const before = await auditSize(h);
    const refused = await register('5.0.1', { trainedBy: { name: 'sam' } });
    expect(expectRefused(refused).code).toBe('invalid_input');
    expect(await auditSize(h)).toBe(before);
    const lineage = { trainedBy: 'sam', seed: '42', notes: { run: 7 } };
    const text = await register('5.0.0', lineage);
    expect(text.statusCode, text.body).toBe(201);
    const number = await register('5.0.2', { seed: 42 });
    expect(number.statusCode, number.body).toBe(201);
    const versions = await app.inject({
      method: 'GET',
      url: `/api/v1/models/${model}/versions`,
      headers: { authorization },
    });
    const byName = new Map(
      (versions.json() as { version: string; lineage: unknown }[]).map((v) => [v.version, v]),
    );
    expect(byName.get('5.0.0')?.lineage).toEqual(lineage);
    expect(byName.get('5.0.2')?.lineage).toEqual({ seed: 42 });
  });
});
