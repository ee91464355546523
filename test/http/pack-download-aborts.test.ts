/**
 * The evidence pack download when the client goes away or stops reading, on a real socket: a
 * client that disconnects while a blob is being opened leaves the server running (no unhandled
 * rejection), the blob closed and its place free; a client that never reads is cut off after
 * `evidencePackStallSeconds` and its place given back.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attachEvidence, readEvidencePackArchive } from '../../src/app/index.js';
import type { AppDeps } from '../../src/app/shared/app-deps.js';
import type { BlobStore } from '../../src/app/shared/ports.js';
import { addVersion, type Harness, harness, people, setupModel } from '../app/harness.js';
import { testIdentity } from './fixture.js';
import { serveHarness } from './serve-harness.js';

const model = 'credit-risk-pd';
const identity = testIdentity();
const auditor = identity.bearer('ada.auditor', 'auditor');
const packUrl = (version: string) => `/api/v1/models/${model}/versions/${version}/evidence-pack`;
// Incompressible, and sorted before weights.bin: the client has bytes before that blob opens.
const noise = randomBytes(512 * 1024);
const weights = randomBytes(1024 * 1024);
// More than the loopback socket's buffers take in, so a client that does not read holds it up.
const large = randomBytes(16 * 1024 * 1024);

let h: Harness;
const servers: FastifyInstance[] = [];
beforeAll(async () => {
  h = harness();
  await setupModel(h, 'credit-risk', model, 'regulated');
  await addVersion(h, { model, version: '1', dir: 'credit-risk/baseline' });
  await attachEvidence(h.deps, people.ci, {
    model,
    version: '1',
    files: [
      { path: 'a-noise.bin', bytes: noise },
      { path: 'weights.bin', bytes: weights },
    ],
  });
  await addVersion(h, { model, version: '2', dir: 'credit-risk/baseline' });
  await attachEvidence(h.deps, people.ci, {
    model,
    version: '2',
    files: [{ path: 'large.bin', bytes: large }],
  });
}, 60_000);
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function listening(deps: AppDeps, lines: string[] = []) {
  const app = serveHarness(h, {
    directory: identity.directory,
    deps,
    logger: { level: 'warn', stream: { write: (line) => lines.push(line) } },
  });
  servers.push(app);
  const sockets: Socket[] = [];
  app.server.on('connection', (socket: Socket) => sockets.push(socket));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, port, sockets };
}

const closed = (socket: Socket) =>
  new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });

/**
 * `inner`, with the opening of one blob's stream held until `release`, and that stream watched:
 * `closed` once its iteration was closed or ran to its end.
 */
function holdingOne(inner: BlobStore, held: string) {
  let entered: () => void = () => undefined;
  let release: () => void = () => undefined;
  const opening = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const watched = { opened: 0, closed: 0 };
  const blobs: BlobStore = {
    ...inner,
    get: (digest) => inner.get(digest),
    has: (digest) => inner.has(digest),
    async stream(digest) {
      if (digest !== held) return inner.stream(digest);
      entered();
      await gate;
      const blob = await inner.stream(digest);
      watched.opened += 1;
      return {
        size: blob.size,
        chunks: {
          [Symbol.asyncIterator]() {
            const chunks = blob.chunks[Symbol.asyncIterator]();
            return {
              async next() {
                const next = await chunks.next();
                if (next.done) watched.closed += 1;
                return next;
              },
              async return() {
                watched.closed += 1;
                return (await chunks.return?.()) ?? { done: true, value: undefined };
              },
            };
          },
        },
      };
    },
  };
  return { blobs, opening, release, watched };
}

describe('GET …/evidence-pack, abandoned by its client', () => {
  it('survives a client that disconnects while a blob is opening, closes the blob and frees the place', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const records = await h.deps.store.read((tx) => tx.evidence.list(model, '1'));
      const target = records.find((r) => r.path === 'weights.bin');
      if (!target) throw new Error('weights.bin was not attached');
      const hold = holdingOne(h.blobs, target.digest);
      const { port, sockets } = await listening({
        ...h.deps,
        blobs: hold.blobs,
        evidencePackDownloads: 1,
      });

      // The client reads until weights.bin is being opened, then goes.
      const client = request({
        host: '127.0.0.1',
        port,
        path: packUrl('1'),
        headers: { authorization: auditor },
      });
      client.on('error', () => undefined);
      const firstBytes = new Promise<number>((resolve) => {
        client.on('response', (response) => {
          response.on('error', () => undefined);
          response.once('data', () => resolve(response.statusCode ?? 0));
        });
      });
      client.end();
      expect(await firstBytes).toBe(200);
      await hold.opening;
      client.destroy();
      await Promise.all(sockets.map(closed));
      // Fastify destroys the archive on the response's close; let that run before the blob opens.
      await new Promise((resolve) => setImmediate(resolve));
      hold.release();

      const again = await fetch(`http://127.0.0.1:${port}${packUrl('1')}`, {
        headers: { authorization: auditor },
      });
      expect(again.status).toBe(200);
      const pack = await readEvidencePackArchive(new Uint8Array(await again.arrayBuffer()));
      const streamed = pack.files.find((f) => f.path === 'evidence/weights.bin');
      expect(Buffer.from(streamed?.bytes ?? []).equals(weights)).toBe(true);
      // Both openings closed: the abandoned one unread, the second one read to its end.
      expect(rejections).toEqual([]);
      expect(hold.watched).toEqual({ opened: 2, closed: 2 });
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('cuts off a client that never reads after evidencePackStallSeconds, warns of it and frees the place', async () => {
    const lines: string[] = [];
    const { app, port, sockets } = await listening(
      { ...h.deps, evidencePackDownloads: 1, evidencePackStallSeconds: 1 },
      lines,
    );
    // Sends the request and never reads the answer.
    const stalled = connect(port, '127.0.0.1');
    stalled.pause();
    stalled.on('error', () => undefined);
    stalled.write(`GET ${packUrl('2')} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auditor}\r\n\r\n`);
    await new Promise((resolve) => stalled.once('connect', resolve));
    // The server's side closes once the stall is noticed.
    while (sockets.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await Promise.all(sockets.map(closed));
    stalled.destroy();

    const again = await app.inject({
      method: 'GET',
      url: packUrl('2'),
      headers: { authorization: auditor },
    });
    expect(again.statusCode).toBe(200);
    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    // A warning (pino's 40), not an error: a client that stops reading is not a fault of ours.
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 40,
        model,
        version: '2',
        msg: expect.stringContaining(
          `Evidence pack download of ${model}@2 cut off: nothing moved for 1 s (evidencePackStallSeconds)`,
        ),
      }),
    );
  }, 30_000);
});
