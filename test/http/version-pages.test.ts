/**
 * Version reads over HTTP on every engine: one version by name, and the version list in keyset
 * pages that a client walks by following the `Link: rel="next"` header.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import {
  bootstrapAdmin,
  createToken,
  createUser,
  grantRole,
  registerVersion,
} from '../../src/app/index.js';
import { forEachStore, people, setupModel } from '../app/harness.js';
import { serveHarness } from './serve-harness.js';

const model = 'credit-risk-pd';

forEachStore('version reads over HTTP', (open) => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** A model with `names` registered in this order; the clock moves between some of them. */
  async function serve(names: string[]) {
    const h = await open();
    app = serveHarness(h);
    await bootstrapAdmin(h.deps, { userId: people.admin.id });
    await setupModel(h, 'credit-risk', model, 'regulated');
    for (const [i, version] of names.entries()) {
      // Pairs share a registration time: the name breaks the tie.
      if (i % 2 === 0) h.clock.advance(1000);
      await registerVersion(h.deps, people.ci, {
        model,
        version,
        artifactUri: `s3://models/${version}`,
        artifactDigest: `sha256:${createHash('sha256').update(version).digest('hex')}`,
        lineage: {},
      });
    }
    await createUser(h.deps, people.admin, { id: 'ada.auditor' });
    await grantRole(h.deps, people.admin, { userId: 'ada.auditor', role: 'auditor' });
    const token = await createToken(h.deps, people.admin, { userId: 'ada.auditor' });
    const server = app;
    const authorization = `Bearer ${token.token}`;
    const get = (
      url: string,
      headers: Record<string, string> = {},
      method: 'GET' | 'HEAD' = 'GET',
    ): Promise<LightMyRequestResponse> =>
      server.inject({ method, url, headers: { authorization, ...headers } });
    return Object.assign(get, { h });
  }

  it('walks every version in registration order by following rel="next"', async () => {
    // Registered out of name order; within a shared time, the name decides.
    const names = ['b2', 'a2', 'z1', 'c1', 'm0', 'k9', 'q'];
    const get = await serve(names);
    const all = await get(`/api/v1/models/${model}/versions`);
    expect(all.statusCode).toBe(200);
    expect(all.headers.link).toBeUndefined();
    const order = all.json().map((v: { version: string }) => v.version);
    expect(order).toEqual(['a2', 'b2', 'c1', 'z1', 'k9', 'm0', 'q']);

    const seen: string[] = [];
    const sizes: number[] = [];
    let url: string | undefined = `/api/v1/models/${model}/versions?limit=3`;
    while (url !== undefined) {
      const page: LightMyRequestResponse = await get(url);
      expect(page.statusCode).toBe(200);
      const versions = page.json().map((v: { version: string }) => v.version);
      seen.push(...versions);
      sizes.push(versions.length);
      const link: unknown = page.headers.link;
      url = typeof link === 'string' ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
    }
    expect(seen).toEqual(order);
    expect(sizes).toEqual([3, 3, 1]);
  });

  // Was a defect: the ETag covered the page's versions only, so a page whose next link appeared
  // (a version registered beyond it) was answered 304 to the old ETag, and a client kept a page
  // that said it was the last.
  it('answers 200 with the new Link to an old ETag once only the next link changed', async () => {
    const get = await serve(['a', 'b']);
    const url = `/api/v1/models/${model}/versions?limit=2`;
    const first = await get(url);
    expect(first.statusCode).toBe(200);
    expect(first.headers.link).toBeUndefined();
    const etag = String(first.headers.etag);
    expect((await get(url, { 'if-none-match': etag })).statusCode).toBe(304);
    get.h.clock.advance(1000);
    await registerVersion(get.h.deps, people.ci, {
      model,
      version: 'c',
      artifactUri: 's3://models/c',
      artifactDigest: `sha256:${createHash('sha256').update('c').digest('hex')}`,
      lineage: {},
    });
    for (const method of ['GET', 'HEAD'] as const) {
      const again = await get(url, { 'if-none-match': etag }, method);
      expect(again.statusCode, method).toBe(200);
      expect(again.headers.link, method).toBe(
        `</api/v1/models/${model}/versions?limit=2&after=b>; rel="next"`,
      );
      expect(again.headers.etag, method).not.toBe(etag);
      // Only the link changed: the page's versions are the same.
      if (method === 'GET') expect(again.body).toBe(first.body);
    }
    // The new ETag matches itself: 304 with the Link a client keeps.
    const current = await get(url);
    const revalidated = await get(url, { 'if-none-match': String(current.headers.etag) });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.headers.link).toBe(current.headers.link);
  });

  it('ends without a next link when the last page is exactly full', async () => {
    const get = await serve(['v1', 'v2', 'v3', 'v4']);
    const first = await get(`/api/v1/models/${model}/versions?limit=2`);
    expect(first.headers.link).toBe(
      `</api/v1/models/${model}/versions?limit=2&after=v2>; rel="next"`,
    );
    const last = await get(`/api/v1/models/${model}/versions?limit=2&after=v2`);
    expect(last.json().map((v: { version: string }) => v.version)).toEqual(['v3', 'v4']);
    expect(last.headers.link).toBeUndefined();
  });

  it('refuses an unknown `after` and an out-of-range limit, and answers one version by name', async () => {
    const get = await serve(['v1', 'v2']);
    const unknown = await get(`/api/v1/models/${model}/versions?limit=2&after=nope`);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().detail).toContain('no version nope');
    expect((await get(`/api/v1/models/${model}/versions?limit=0`)).statusCode).toBe(400);
    expect((await get(`/api/v1/models/${model}/versions?limit=1001`)).statusCode).toBe(400);
    expect((await get('/api/v1/models/no-such-model/versions?limit=5')).statusCode).toBe(404);

    const one = await get(`/api/v1/models/${model}/versions/v2`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ model, version: 'v2', state: 'draft' });
    expect(one.headers.etag).toMatch(/^W\/"/);
    expect((await get(`/api/v1/models/${model}/versions/v9`)).statusCode).toBe(404);
  });
});
