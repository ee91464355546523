/**
 * The media type given at upload is served as the file's Content-Type on every download, and
 * evidence rows are never changed: one no header can carry is refused at upload (400, nothing
 * stored), and a row stored with one before uploads were checked is still served, as
 * application/octet-stream — on SQLite and PostgreSQL.
 */
import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { forEachStore, type StoreHarness } from '../app/harness.js';
import { digestOf } from '../app/hostile-uploads.js';
import { storeContents } from '../app/store-contents.js';
import { testIdentity } from './fixture.js';
import { servedWithVersion } from './serve-harness.js';

const model = 'credit-risk-pd';
const identity = testIdentity();
const ci = identity.bearer('ci.pipeline', 'mlops');
const servers: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of servers.splice(0)) await app.close();
});

const seeded = (h: StoreHarness): Promise<FastifyInstance> =>
  servedWithVersion(h, { model, bearer: ci, directory: identity.directory, servers });

const upload = (app: FastifyInstance, path: string, mediaType: string, bytes: Uint8Array) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/models/${model}/versions/1/evidence?path=${path}&mediaType=${encodeURIComponent(mediaType)}`,
    headers: { authorization: ci, 'content-type': 'application/octet-stream' },
    payload: Buffer.from(bytes),
  });

const download = (app: FastifyInstance, path: string) =>
  app.inject({
    url: `/api/v1/models/${model}/versions/1/evidence/content?path=${encodeURIComponent(path)}`,
    headers: { authorization: ci },
  });

forEachStore('evidence media types', (open) => {
  it('refuses a media type no header can carry with 400 naming it, and stores nothing', async () => {
    const h = await open();
    const app = await seeded(h);
    for (const [i, [mediaType, says]] of [
      ['text/plain\r\nSet-Cookie: pwned=1', 'character 11 is U+000D'],
      ['text/€uro', 'character 6 is U+20AC'],
      ['x'.repeat(8000), 'it is 8000 characters long, over the 255 kept'],
      ['text/plain; charset="utf-8', 'a quoted parameter value is never closed'],
    ].entries()) {
      const bytes = new TextEncoder().encode(`# Notes ${i}\n`);
      const before = await storeContents(h.store);
      const response = await upload(app, `notes-${i}.md`, mediaType ?? '', bytes);
      expect([response.statusCode, response.json().code], response.body).toEqual([
        400,
        'invalid_input',
      ]);
      const problem = response.json().problems[0];
      expect(problem.message).toContain(`of evidence file "notes-${i}.md"`);
      expect(problem.message).toContain(says);
      expect(problem.message).toContain('is not an RFC 9110 media type');
      expect(problem.fix).toContain('leave mediaType out');
      expect(isDeepStrictEqual(await storeContents(h.store), before)).toBe(true);
      expect(await h.blobs.has(digestOf(bytes))).toBe(false);
    }
  });

  it('stores and serves a media type with parameters as given', async () => {
    const h = await open();
    const app = await seeded(h);
    const mediaType = 'text/markdown; charset=utf-8; variant="CommonMark"';
    const stored = await upload(app, 'notes.md', mediaType, new TextEncoder().encode('# N\n'));
    expect(stored.statusCode, stored.body).toBe(201);
    expect(stored.json()[0].mediaType).toBe(mediaType);
    const served = await download(app, 'notes.md');
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe(mediaType);
  });

  it('serves a row stored before the check as application/octet-stream, bytes intact', async () => {
    const h = await open();
    const app = await seeded(h);
    const bytes = new TextEncoder().encode('# Old notes\n');
    const blob = await h.blobs.put(bytes);
    // What an upload stored before media types were checked; evidence rows are never changed.
    const olds = ['text/plain\r\nSet-Cookie: pwned=1', 'text/€uro', 'x'.repeat(8000)];
    await h.store.transaction((tx) =>
      tx.evidence.insert(
        ...olds.map((mediaType, i) => ({
          model,
          version: '1',
          kind: 'document' as const,
          path: `old-${i}.md`,
          digest: blob.digest,
          size: blob.size,
          mediaType,
          attachedAt: h.clock.now().toISOString(),
          attachedBy: 'ci.pipeline',
        })),
      ),
    );
    for (const i of olds.keys()) {
      const served = await download(app, `old-${i}.md`);
      expect(served.statusCode, served.body).toBe(200);
      expect(served.headers['content-type']).toBe('application/octet-stream');
      expect(served.headers['set-cookie']).toBeUndefined();
      expect(served.rawPayload.equals(Buffer.from(bytes))).toBe(true);
    }
  });
});
