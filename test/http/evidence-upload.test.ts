/**
 * Evidence uploads are authorised before the body is read (issue 7 finding 8): a caller who may
 * not attach, or an upload to a missing model or version, is answered without the body being
 * received, and nothing reaches the blob store.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/evidence/blob-digest.js';
import { actions, addVersion, type Harness, harness, setupModel } from '../app/harness.js';
import { type TestIdentity, testIdentity } from './fixture.js';
import { serveHarness } from './serve-harness.js';

const model = 'home-feed';
let h: Harness;
let identity: TestIdentity;
let app: FastifyInstance;

beforeEach(async () => {
  h = harness();
  identity = testIdentity();
  app = serveHarness(h, { directory: identity.directory });
  await setupModel(h, 'recommender', model, 'medium');
  await addVersion(h, { model, version: 'v1', dir: 'recommender/candidates/passing' });
});
afterEach(() => app.close());

/** A body that sends one chunk and never ends: a route that reads it before refusing never answers. */
function endlessBody(): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) this.push(Buffer.alloc(1024, 0x61));
      sent = true;
    },
  });
}

function upload(url: string, authorization: string, payload: Buffer | Readable) {
  return app.inject({
    method: 'POST',
    url,
    headers: { authorization, 'content-type': 'application/octet-stream' },
    payload,
  });
}

describe('evidence upload authorisation', () => {
  it('refuses a caller with no role before reading the body, and audits it', async () => {
    const before = actions(h).length;
    const response = await upload(
      `/api/v1/models/${model}/versions/v1/evidence?path=notes.md`,
      identity.bearer('nobody'),
      endlessBody(),
    );
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('forbidden');
    expect(actions(h).slice(before)).toEqual(['access.denied']);
  });

  it('answers 404 for a missing model or version before reading the body', async () => {
    for (const url of [
      '/api/v1/models/no-such-model/versions/v1/evidence?path=notes.md',
      `/api/v1/models/${model}/versions/v9/evidence?path=notes.md`,
    ]) {
      const response = await upload(url, identity.bearer('olga', 'model_owner'), endlessBody());
      expect(response.statusCode, url).toBe(404);
    }
  });

  it('stores no blob for a refused upload', async () => {
    const bytes = Buffer.from('# Notes that must not be stored\n');
    const digest = `sha256:${sha256Hex(bytes)}`;
    const refused = [
      [`/api/v1/models/${model}/versions/v1/evidence?path=notes.md`, identity.bearer('nobody')],
      [
        '/api/v1/models/no-such-model/versions/v1/evidence?path=notes.md',
        identity.bearer('nobody'),
      ],
    ] as const;
    for (const [url, authorization] of refused) {
      const response = await upload(url, authorization, bytes);
      expect([403, 404], url).toContain(response.statusCode);
    }
    expect(await h.blobs.has(digest)).toBe(false);
    const allowed = await upload(
      `/api/v1/models/${model}/versions/v1/evidence?path=notes.md`,
      identity.bearer('olga', 'model_owner'),
      bytes,
    );
    expect(allowed.statusCode).toBe(201);
    expect(await h.blobs.has(digest)).toBe(true);
  });
});

describe('evidence files per version', () => {
  it('answers 400 before reading the body once the version holds its most files', async () => {
    const attached = await h.store.read((tx) => tx.evidence.list(model, 'v1'));
    const limited = serveHarness(h, {
      deps: { ...h.deps, evidenceFilesPerVersion: attached.length },
      directory: identity.directory,
    });
    try {
      const response = await limited.inject({
        method: 'POST',
        url: `/api/v1/models/${model}/versions/v1/evidence?path=one-more.md`,
        headers: {
          authorization: identity.bearer('olga', 'model_owner'),
          'content-type': 'application/octet-stream',
        },
        payload: endlessBody(),
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('invalid_input');
      expect(response.json().detail).toContain(`at most ${attached.length} are allowed`);
    } finally {
      await limited.close();
    }
  });
});

describe('evidence upload quota', () => {
  it('answers 429 problem details to an upload over the quota and stores nothing', async () => {
    const limited = serveHarness(h, {
      deps: { ...h.deps, uploadQuota: { bytes: 64, windowSeconds: 3600 } },
      directory: identity.directory,
    });
    try {
      const bytes = Buffer.alloc(100, 0x62);
      const response = await limited.inject({
        method: 'POST',
        url: `/api/v1/models/${model}/versions/v1/evidence?path=big.md`,
        headers: {
          authorization: identity.bearer('olga', 'model_owner'),
          'content-type': 'application/octet-stream',
        },
        payload: bytes,
      });
      expect(response.statusCode).toBe(429);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json().code).toBe('quota_exceeded');
      expect(await h.blobs.has(`sha256:${sha256Hex(bytes)}`)).toBe(false);
    } finally {
      await limited.close();
    }
  });
});
