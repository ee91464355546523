/**
 * The streamed evidence pack (the server's download) on each blob store: the evidence is read as
 * the archive reaches it, the archive is byte for byte the one built in memory, a blob whose
 * bytes no longer match its digest cuts the archive off instead of completing it, and only
 * `evidencePackDownloads` packs stream at once.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { streamEvidencePack } from '../../src/app/evidence-pack/evidence-pack.js';
import { bindEvidencePackUseCases } from '../../src/app/evidence-pack/evidence-pack-use-cases.js';
import {
  type EvidencePack,
  evidencePackArchive,
  evidencePackStream,
  readEvidencePackArchive,
} from '../../src/app/index.js';
import type { AppDeps } from '../../src/app/shared/app-deps.js';
import type { BlobStore } from '../../src/app/shared/ports.js';
import { ClearanceError, type Principal } from '../../src/domain/index.js';
import { durableBlobStores, type OpenBlobStore } from '../store/durable-blob-stores.js';
import { type LocalS3, startLocalS3 } from '../store/s3-server.js';
import { addVersion, type Harness, harness, person, refusal, setupModel } from './harness.js';

const model = 'credit-risk-pd';
const auditor = person('ada.auditor', 'auditor');
// A model owner of another model only.
const elsewhere: Principal = {
  id: 'otis.owner',
  kind: 'user',
  roles: [{ role: 'model_owner', model: 'another-model' }],
};
const version = '2026.1';
// Several MiB: many chunks from a file or a socket, and more than the stream buffers hold.
const weights = randomBytes(3 * 1024 * 1024 + 5);

let h: Harness;
let s3: LocalS3 | undefined;
beforeAll(async () => {
  s3 = await startLocalS3();
  h = harness();
  await setupModel(h, 'credit-risk', model, 'regulated');
  const extra = [{ path: 'weights.bin', bytes: weights }];
  await addVersion(h, { model, version, dir: 'credit-risk/baseline', extra });
}, 60_000);
afterAll(() => s3?.close());

/** Blob stores the harness's blobs are copied into, and how to overwrite one behind their back. */
const stores = durableBlobStores(() => s3, 'packs/');

async function copyBlobs(to: BlobStore): Promise<void> {
  for await (const { digest } of h.blobs.list()) await to.put(await h.blobs.get(digest));
}

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** What the stream sent before it failed, and the failure. */
async function drainFailing(stream: Readable): Promise<{ sent: Buffer; error: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
  } catch (error) {
    return { sent: Buffer.concat(chunks), error };
  }
  throw new Error('the stream ended without an error');
}

for (const { name, open } of stores) {
  describe(`streamed evidence pack [${name}]`, () => {
    let opened: OpenBlobStore | undefined;
    afterEach(() => opened?.close());
    const depsOn = async (): Promise<AppDeps & { corrupt: OpenBlobStore['corrupt'] }> => {
      opened = await open();
      await copyBlobs(opened.blobs);
      return { ...h.deps, blobs: opened.blobs, corrupt: opened.corrupt };
    };

    it('streams the evidence into the same archive the pack gives built in memory', async () => {
      const deps = await depsOn();
      const streamed = await streamEvidencePack(deps, auditor, { model, version });
      const archive = await drain(evidencePackStream(streamed).stream);

      const back = await readEvidencePackArchive(new Uint8Array(archive));
      expect(back.manifest).toStrictEqual(streamed.manifest);
      const weightsFile = back.files.find((f) => f.path === 'evidence/weights.bin');
      expect(Buffer.from(weightsFile?.bytes ?? []).equals(weights)).toBe(true);
      // The same pack with every blob read whole first: the tar is the same, byte for byte.
      const whole: EvidencePack = {
        manifest: streamed.manifest,
        files: await Promise.all(
          streamed.files.map(async (f) =>
            'bytes' in f
              ? f
              : { path: f.path, digest: f.digest, bytes: await deps.blobs.get(f.digest) },
          ),
        ),
      };
      const built = await evidencePackArchive(whole);
      expect(gunzipSync(archive).equals(gunzipSync(built.bytes))).toBe(true);
    });

    it('cuts the archive off at a blob whose bytes no longer match its digest', async () => {
      const deps = await depsOn();
      const records = await h.deps.store.read((tx) => tx.evidence.list(model, version));
      const target = records.find((r) => r.path === 'weights.bin');
      if (!target) throw new Error('weights.bin was not attached');
      // Same length, one byte changed: only hashing the bytes finds it.
      const tampered = Buffer.from(weights);
      tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 0xff, tampered.length - 1);
      await deps.corrupt(target.digest, tampered);

      const streamed = await streamEvidencePack(deps, auditor, { model, version });
      const { sent, error } = await drainFailing(evidencePackStream(streamed).stream);
      expect(error).toBeInstanceOf(ClearanceError);
      expect((error as ClearanceError).code).toBe('invalid_evidence');
      expect((error as ClearanceError).message).toContain(`Blob ${target.digest} is corrupted`);
      // Files before it went out (lineage.json, predictions.csv sort first), but the archive is
      // not a pack: no manifest, no end, and the tampered blob is never there whole.
      expect(sent.length).toBeGreaterThan(1024 * 1024);
      const read = await refusal(readEvidencePackArchive(new Uint8Array(sent)));
      expect(read.code).toBe('invalid_input');
    });

    it('refuses with not_found, before streaming, a pack whose blob is gone', async () => {
      const deps = await depsOn();
      const records = await h.deps.store.read((tx) => tx.evidence.list(model, version));
      const [first] = records;
      if (!first) throw new Error('no evidence');
      await (await deps.blobs.withdraw(first.digest))?.discard();
      const missing = await refusal(streamEvidencePack(deps, auditor, { model, version }));
      expect(missing.code).toBe('not_found');
      expect(missing.message).toContain(first.digest);
    });

    it('cuts the archive off at a blob whose stored size differs from its record, and closes the blob', async () => {
      const deps = await depsOn();
      const records = await h.deps.store.read((tx) => tx.evidence.list(model, version));
      const target = records.find((r) => r.path === 'weights.bin');
      if (!target) throw new Error('weights.bin was not attached');
      await deps.corrupt(target.digest, Buffer.concat([weights, Buffer.from('more')]));
      const watched = closesWatched(deps.blobs);

      // Still there, so the download starts; the size is only known once the blob is opened.
      const streamed = await streamEvidencePack({ ...deps, blobs: watched.blobs }, auditor, {
        model,
        version,
      });
      const { sent, error } = await drainFailing(evidencePackStream(streamed).stream);
      expect((error as ClearanceError).code).toBe('precondition_failed');
      expect((error as ClearanceError).message).toBe(
        `Stored evidence weights.bin (${target.digest}) now holds ${weights.length + 4} bytes: the blob store was changed.`,
      );
      const read = await refusal(readEvidencePackArchive(new Uint8Array(sent)));
      expect(read.code).toBe('invalid_input');
      // Every blob opened was closed, the changed one unread.
      expect(watched.counts.closed).toBe(watched.counts.opened);
    });
  });
}

/** `inner`, counting the blob streams opened and those whose iteration was closed or ended. */
function closesWatched(inner: BlobStore) {
  const counts = { opened: 0, closed: 0 };
  const blobs: BlobStore = {
    ...inner,
    get: (digest) => inner.get(digest),
    has: (digest) => inner.has(digest),
    async stream(digest) {
      const blob = await inner.stream(digest);
      counts.opened += 1;
      const watchedChunks: AsyncIterable<Uint8Array> = {
        [Symbol.asyncIterator]() {
          const chunks = blob.chunks[Symbol.asyncIterator]();
          return {
            async next() {
              const next = await chunks.next();
              if (next.done) counts.closed += 1;
              return next;
            },
            async return() {
              counts.closed += 1;
              return (await chunks.return?.()) ?? { done: true, value: undefined };
            },
          };
        },
      };
      return { size: blob.size, chunks: watchedChunks };
    },
  };
  return { blobs, counts };
}

describe('evidence pack downloads at once', () => {
  const packDownloadsUpTo = (limit: number) =>
    bindEvidencePackUseCases({ ...h.deps, evidencePackDownloads: limit }, undefined);
  const closed = (stream: Readable) =>
    new Promise<void>((resolve) => {
      stream.once('close', resolve);
      stream.destroy();
    });

  it('refuses a download past the limit as busy while the others stream, and takes one again after', async () => {
    const useCases = packDownloadsUpTo(2);
    // Not read: each holds its place until it is closed.
    const first = await useCases.evidencePack(auditor, { model, version });
    const second = await useCases.evidencePack(auditor, { model, version });
    const refused = await useCases.evidencePack(auditor, { model, version }).catch((e) => e);
    expect(refused).toBeInstanceOf(ClearanceError);
    expect((refused as ClearanceError).code).toBe('busy');
    expect((refused as ClearanceError).message).toBe(
      'The server is busy: 2 evidence pack downloads are already under way.',
    );
    expect((refused as ClearanceError).problems[0]?.fix).toContain('maxConcurrentEvidencePacks');

    await closed(first.stream);
    const third = await useCases.evidencePack(auditor, { model, version });
    const back = await readEvidencePackArchive(new Uint8Array(await drain(third.stream)));
    expect(back.manifest.version).toBe(version);
    await closed(second.stream);
  });

  it('gives the place back when a download ends, fails or is refused', async () => {
    const useCases = packDownloadsUpTo(1);
    for (let i = 0; i < 3; i++) {
      const missing = await refusal(useCases.evidencePack(auditor, { model, version: '9' }));
      expect(missing.code).toBe('not_found');
      const denied = await refusal(useCases.evidencePack(elsewhere, { model, version }));
      expect(denied.code).toBe('forbidden');
      const done = await useCases.evidencePack(auditor, { model, version });
      await drain(done.stream);
    }
  });
});
