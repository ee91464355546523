/**
 * The evidence pack download under load and under a changed blob: past
 * `maxConcurrentEvidencePacks` downloads a request is answered 503 `busy` with Retry-After, and a
 * blob that fails its digest check after the 200 went out cuts the download off (the client sees
 * a failed transfer, never a complete archive) and is logged as an error.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readEvidencePackArchive } from '../../src/app/index.js';
import type { BlobStore } from '../../src/app/shared/ports.js';
import { addVersion, type Harness, harness, setupModel } from '../app/harness.js';
import { createMemoryBlobStore } from '../fakes/memory-blob-store.js';
import { testIdentity } from './fixture.js';
import { serveHarness } from './serve-harness.js';

const model = 'credit-risk-pd';
const version = '2026.1';
const url = `/api/v1/models/${model}/versions/${version}/evidence-pack`;
const weights = randomBytes(3 * 1024 * 1024);
const identity = testIdentity();
const auditor = identity.bearer('ada.auditor', 'auditor');

let h: Harness;
const servers: FastifyInstance[] = [];
beforeAll(async () => {
  h = harness();
  await setupModel(h, 'credit-risk', model, 'regulated');
  const extra = [{ path: 'weights.bin', bytes: weights }];
  await addVersion(h, { model, version, dir: 'credit-risk/baseline', extra });
}, 60_000);
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** `inner`, with every blob stream held at its opening until `release`. */
function holdingStreams(inner: BlobStore) {
  let entered: () => void = () => undefined;
  let release: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const blobs: BlobStore = {
    ...inner,
    get: (digest) => inner.get(digest),
    has: (digest) => inner.has(digest),
    async stream(digest) {
      entered();
      await gate;
      return inner.stream(digest);
    },
  };
  return { blobs, opened, release };
}

function serve(overrides: Parameters<typeof serveHarness>[1]): FastifyInstance {
  const app = serveHarness(h, { directory: identity.directory, ...overrides });
  servers.push(app);
  return app;
}

describe('GET …/evidence-pack, bounded and checked', () => {
  it('answers 503 busy with Retry-After while maxConcurrentEvidencePacks downloads stream', async () => {
    const held = holdingStreams(h.blobs);
    const app = serve({ deps: { ...h.deps, blobs: held.blobs, evidencePackDownloads: 1 } });
    const get = () => app.inject({ method: 'GET', url, headers: { authorization: auditor } });
    const first = get();
    await held.opened;

    const refused = await get();
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.json()).toMatchObject({
      type: 'https://clearance.dev/problems/busy',
      detail: 'The server is busy: 1 evidence pack downloads are already under way.',
    });

    held.release();
    const done = await first;
    expect(done.statusCode).toBe(200);
    const pack = await readEvidencePackArchive(new Uint8Array(done.rawPayload));
    const streamed = pack.files.find((f) => f.path === 'evidence/weights.bin');
    expect(Buffer.from(streamed?.bytes ?? []).equals(weights)).toBe(true);
    // The place is given back once the download ends.
    expect((await get()).statusCode).toBe(200);
  });

  it('cuts the download off, and logs an error, at a blob that no longer matches its digest', async () => {
    const blobs = createMemoryBlobStore();
    for await (const { digest } of h.blobs.list()) await blobs.put(await h.blobs.get(digest));
    const records = await h.deps.store.read((tx) => tx.evidence.list(model, version));
    const target = records.find((r) => r.path === 'weights.bin');
    if (!target) throw new Error('weights.bin was not attached');
    const tampered = Buffer.from(weights);
    tampered.writeUInt8(tampered.readUInt8(0) ^ 0xff, 0);
    blobs.tamper(target.digest, tampered);

    const lines: string[] = [];
    const app = serve({
      deps: { ...h.deps, blobs },
      logger: { level: 'error', stream: { write: (line) => lines.push(line) } },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}${url}`, {
      headers: { authorization: auditor },
    });
    // The status went out with the files before it; the body then breaks off.
    expect(response.status).toBe(200);
    const body = await response.arrayBuffer().catch((e: unknown) => e);
    expect(body).toBeInstanceOf(Error);

    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 50,
        msg: expect.stringContaining(
          `Evidence pack download of ${model}@${version} cut off: Blob ${target.digest} is corrupted`,
        ),
      }),
    );
  });
});
