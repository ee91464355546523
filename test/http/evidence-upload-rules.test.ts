/**
 * The evidence upload route and version registration refuse what no later gate run could read
 * (issue 7, findings 2, 3, 9 and 20): 400 `invalid_input` as problem details naming the path and
 * the rule, with rows, blobs and the audit log unchanged — on SQLite and PostgreSQL.
 */
import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { forEachStore, type StoreHarness, setupModel } from '../app/harness.js';
import { baseEvidence, digestOf, hostileUploads } from '../app/hostile-uploads.js';
import { storeContents } from '../app/store-contents.js';
import { testIdentity } from './fixture.js';
import { serveHarness } from './serve-harness.js';

const model = 'credit-risk-pd';
const identity = testIdentity();
const ci = identity.bearer('ci.pipeline', 'mlops');
const servers: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of servers.splice(0)) await app.close();
});

function serve(h: StoreHarness, bodyLimitBytes = 16 * 1024 * 1024): FastifyInstance {
  const app = serveHarness(h, { directory: identity.directory, bodyLimitBytes });
  servers.push(app);
  return app;
}

const upload = (app: FastifyInstance, path: string, bytes: Uint8Array) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/models/${model}/versions/1/evidence?path=${encodeURIComponent(path)}`,
    headers: { authorization: ci, 'content-type': 'application/octet-stream' },
    payload: Buffer.from(bytes),
  });

/** The body as text: JSON.stringify (in the test client too) cannot write 4,500 levels. */
const register = (app: FastifyInstance, lineageJson: string) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/models/${model}/versions`,
    headers: { authorization: ci, 'content-type': 'application/json' },
    payload: `{"version":"1","artifactUri":"s3://models/1","artifactDigest":"sha256:${'ab'.repeat(32)}","lineage":${lineageJson}}`,
  });

const nestedLineageJson = (levels: number) =>
  `${'{"a":'.repeat(levels - 1)}{"seed":1}${'}'.repeat(levels - 1)}`;

forEachStore('evidence upload route', (open) => {
  it('answers 400 invalid_input to every hostile upload and writes nothing', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    const app = serve(h);
    expect((await register(app, '{"seed":1}')).statusCode).toBe(201);
    for (const file of baseEvidence)
      expect((await upload(app, file.path, file.bytes)).statusCode).toBe(201);
    // A lone surrogate cannot be sent in a URL (it has no UTF-8 form); the use-case suite covers it.
    const sent = hostileUploads.filter((u) => u.path.isWellFormed());
    // Every case is judged before the assertion, so a failure lists each upload let through.
    const outcomes = [];
    for (const hostile of sent) {
      const before = await storeContents(h.store);
      const response = await upload(app, hostile.path, hostile.bytes);
      const problem = response.json();
      const first = problem.problems?.[0] ?? {};
      // A NUL may be refused by the edge's text guard (input-guards.ts) or by the path rules.
      const says = [hostile.says, ...(hostile.saysAtEdge ? [hostile.saysAtEdge] : [])];
      outcomes.push({
        upload: hostile.title,
        status: response.statusCode,
        type: response.headers['content-type']?.toString().split(';')[0],
        code: problem.code,
        namesPathAndRule: says.some(
          (text) =>
            `${problem.detail}`.includes(text) && `${first.message} ${first.fix}`.includes(text),
        ),
        unchanged: isDeepStrictEqual(await storeContents(h.store), before),
        blobStored: await h.blobs.has(digestOf(hostile.bytes)),
      });
    }
    expect(outcomes).toEqual(
      sent.map((hostile) => ({
        upload: hostile.title,
        status: 400,
        type: 'application/problem+json',
        code: 'invalid_input',
        namesPathAndRule: true,
        unchanged: true,
        blobStored: false,
      })),
    );
  });

  it('refuses a bad path before reading the body: 400, not 413, for an oversized upload', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    const app = serve(h, 1024);
    expect((await register(app, '{}')).statusCode).toBe(201);
    expect((await upload(app, 'notes/b.md', new TextEncoder().encode('# B\n'))).statusCode).toBe(
      201,
    );
    const oversized = new Uint8Array(4096).fill(0x61);
    for (const [path, says] of [
      ['\u202egnp.md', 'bidirectional control U+202E'],
      ['notes', '"notes" names a file, but "notes/b.md" in this version needs a folder'],
    ]) {
      const response = await upload(app, path ?? '', oversized);
      expect([response.statusCode, response.json().code]).toEqual([400, 'invalid_input']);
      expect(response.json().detail).toContain(says);
    }
    expect((await upload(app, 'fine.txt', oversized)).statusCode).toBe(413);
    expect(await h.blobs.has(digestOf(oversized))).toBe(false);
  });

  it('accepts an NFC accented name and a name with spaces', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    const app = serve(h);
    expect((await register(app, '{}')).statusCode).toBe(201);
    for (const path of ['é.md', 'model report (final).md']) {
      const response = await upload(app, path, new TextEncoder().encode(`# ${path}\n`));
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()[0].path).toBe(path);
    }
  });

  it('refuses lineage nested 4,500 levels with 400, and the versions list still answers', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    const app = serve(h);
    const before = await storeContents(h.store);
    const refused = await register(app, nestedLineageJson(4500));
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().code).toBe('invalid_input');
    expect(await storeContents(h.store)).toEqual(before);
    const list = await app.inject({
      method: 'GET',
      url: `/api/v1/models/${model}/versions`,
      headers: { authorization: ci },
    });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json()).toEqual([]);
  });
});
