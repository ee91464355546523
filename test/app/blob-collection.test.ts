/**
 * Issue 7 finding 8, on every engine: refused uploads store nothing, a per-user quota bounds what
 * one token can write, and blobs nothing references are collected once past the grace period.
 * Issue 11 item 8: all of it again with the blobs in an S3-compatible bucket (a local s3rver).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  attachEvidence,
  collectBlobs,
  registerVersion,
  uploadChargePerFile,
} from '../../src/app/index.js';
import type { AppDeps } from '../../src/app/shared/app-deps.js';
import { FileBlobStore } from '../../src/evidence/file-blob-store.js';
import { S3BlobStore } from '../../src/evidence/s3-blob-store.js';
import { InProcessGateRunner } from '../../src/gate-runs/index.js';
import { type LocalS3, startLocalS3 } from '../store/s3-server.js';
import {
  forEachStore,
  people,
  person,
  readActions,
  readAudit,
  refusal,
  type StoreHarness,
  setupModel,
} from './harness.js';

const model = 'home-feed';
const text = (s: string) => new TextEncoder().encode(s);
const digestOf = (bytes: Uint8Array) =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const hour = 3600 * 1000;

async function withVersion(h: StoreHarness): Promise<void> {
  await setupModel(h, 'recommender', model, 'medium');
  await registerVersion(h.deps, people.ci, {
    model,
    version: 'v1',
    artifactUri: 's3://models/home-feed/v1',
    artifactDigest: `sha256:${'d'.repeat(64)}`,
    lineage: {},
  });
}

let s3: LocalS3 | undefined;
const s3Stores: S3BlobStore[] = [];
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  for (const store of s3Stores) store.close();
  await s3?.close();
});

/** The same harness with its blobs in a new bucket of the local S3 server. */
async function onS3(h: StoreHarness): Promise<StoreHarness> {
  if (!s3) throw new Error('the local S3 server did not start');
  const blobs = new S3BlobStore(s3.options(await s3.bucket()));
  s3Stores.push(blobs);
  return { ...h, blobs, deps: { ...h.deps, blobs, gateRunner: new InProcessGateRunner(blobs) } };
}

for (const backend of ['file', 's3'] as const) {
  forEachStore(`evidence uploads and blob collection [${backend} blobs]`, (openStore) => {
    const open = async () => (backend === 's3' ? onS3(await openStore()) : openStore());

    it('stores no blob for a caller with no role or an upload to a missing model', async () => {
      const h = await open();
      await withVersion(h);
      const bytes = text('# Notes that must not be stored\n');
      const files = [{ path: 'notes.md', bytes }];
      const nobody = person('no.body');
      expect(
        (await refusal(attachEvidence(h.deps, nobody, { model, version: 'v1', files }))).code,
      ).toBe('forbidden');
      expect(
        (
          await refusal(
            attachEvidence(h.deps, people.ci, { model: 'missing', version: 'v1', files }),
          )
        ).code,
      ).toBe('not_found');
      expect(await h.blobs.has(digestOf(bytes))).toBe(false);
      const used = await h.store.read((tx) =>
        tx.blobUploads.usageSince(people.ci.id, '2000-01-01T00:00:00.000Z'),
      );
      expect(used).toStrictEqual({ files: 0, bytes: 0 });
    });

    it('refuses an upload over the per-user quota and stores nothing', async () => {
      const h = await open();
      await withVersion(h);
      // Each file counts a per-file charge besides its bytes.
      const deps: AppDeps = {
        ...h.deps,
        uploadQuota: { bytes: 100 + 2 * uploadChargePerFile, windowSeconds: 3600 },
      };
      const first = text('a'.repeat(60));
      const second = text('b'.repeat(50));
      await attachEvidence(deps, people.ci, {
        model,
        version: 'v1',
        files: [{ path: 'a.md', bytes: first }],
      });
      const over = await refusal(
        attachEvidence(deps, people.ci, {
          model,
          version: 'v1',
          files: [{ path: 'b.md', bytes: second }],
        }),
      );
      expect(over.code).toBe('quota_exceeded');
      expect(over.message).toContain(
        `ci.pipeline has uploaded ${60 + uploadChargePerFile} bytes in the last 1 h`,
      );
      expect(await h.blobs.has(digestOf(second))).toBe(false);
      // Another user has a quota of their own.
      await attachEvidence(deps, people.mlops, {
        model,
        version: 'v1',
        files: [{ path: 'b.md', bytes: second }],
      });
      // Once the first upload leaves the window, there is room again.
      h.clock.advance(hour + 1000);
      await attachEvidence(deps, people.ci, {
        model,
        version: 'v1',
        files: [{ path: 'c.md', bytes: text('c'.repeat(50)) }],
      });
    });

    it('collects unreferenced blobs past the grace period, keeps referenced and young ones', async () => {
      const h = await open();
      await withVersion(h);
      const referenced = text('# Referenced\n');
      await attachEvidence(h.deps, people.ci, {
        model,
        version: 'v1',
        files: [{ path: 'notes.md', bytes: referenced }],
      });
      // An orphan from before (a refused attach, an older server), and an upload still in flight.
      const orphan = await h.blobs.put(text('orphan bytes'));
      h.clock.advance(2 * hour);
      const young = text('young upload in flight');
      await h.store.transaction((tx) =>
        tx.blobUploads.record({
          id: 'upload-young',
          principalId: people.ci.id,
          digest: digestOf(young),
          size: young.byteLength,
          at: h.clock.now().toISOString(),
        }),
      );
      await h.blobs.put(young);
      const before = await readActions(h);

      const dry = await collectBlobs(h.deps, { job: 'test', graceSeconds: 3600, dryRun: true });
      expect(dry.blobs).toEqual([orphan]);
      expect(await h.blobs.has(orphan.digest)).toBe(true);
      expect(await readActions(h)).toEqual(before);

      const run = await collectBlobs(h.deps, { job: 'test', graceSeconds: 3600 });
      expect(run.blobs).toEqual([orphan]);
      expect(run.bytes).toBe(orphan.size);
      expect(await h.blobs.has(orphan.digest)).toBe(false);
      expect(await h.blobs.has(digestOf(referenced))).toBe(true);
      expect(await h.blobs.has(digestOf(young))).toBe(true);
      const entries = (await readAudit(h)).slice(before.length);
      expect(entries.map((e) => e.action)).toEqual(['blobs.collected']);
      expect(entries[0]?.actor).toEqual({ id: 'system:test', kind: 'system' });
      expect(entries[0]?.data).toMatchObject({ count: 1, bytes: orphan.size });

      // Past the grace period the abandoned upload goes too; a run that finds nothing is silent.
      h.clock.advance(2 * hour);
      const later = await collectBlobs(h.deps, { job: 'test', graceSeconds: 3600 });
      expect(later.blobs.map((b) => b.digest)).toEqual([digestOf(young)]);
      const size = (await readActions(h)).length;
      expect((await collectBlobs(h.deps, { job: 'test', graceSeconds: 3600 })).blobs).toEqual([]);
      expect((await readActions(h)).length).toBe(size);
      expect(await h.blobs.has(digestOf(referenced))).toBe(true);
    });

    it('puts back blobs a stopped collector had withdrawn', async () => {
      const h = await open();
      await withVersion(h);
      const referenced = text('# Referenced\n');
      await attachEvidence(h.deps, people.ci, {
        model,
        version: 'v1',
        files: [{ path: 'notes.md', bytes: referenced }],
      });
      await h.blobs.withdraw(digestOf(referenced));
      expect(await h.blobs.has(digestOf(referenced))).toBe(false);
      const run = await collectBlobs(h.deps, { job: 'test', graceSeconds: 3600 });
      expect(run.restored).toBe(1);
      expect(run.blobs).toEqual([]);
      expect(await h.blobs.has(digestOf(referenced))).toBe(true);
    });

    it('keeps a blob whose upload is recorded while it is being collected', async () => {
      const h = await open();
      await withVersion(h);
      const orphan = await h.blobs.put(text('about to be uploaded again'));
      h.clock.advance(2 * hour);
      // Another server records an upload of the same bytes just as this collector withdraws it.
      const racing: AppDeps = {
        ...h.deps,
        blobs: {
          ...h.blobs,
          list: () => h.blobs.list(),
          withdraw: async (digest) => {
            const taken = await h.blobs.withdraw(digest);
            await h.store.transaction((tx) =>
              tx.blobUploads.record({
                id: 'upload-racing',
                principalId: people.ci.id,
                digest,
                size: orphan.size,
                at: h.clock.now().toISOString(),
              }),
            );
            return taken;
          },
          restoreWithdrawn: () => h.blobs.restoreWithdrawn(),
          removeAbandonedWrites: (input) => h.blobs.removeAbandonedWrites(input),
        },
      };
      const run = await collectBlobs(racing, { job: 'test', graceSeconds: 3600 });
      expect(run.blobs).toEqual([]);
      expect(await h.blobs.has(orphan.digest)).toBe(true);
    });

    it('stays safe with two collectors at the same time: referenced kept, orphans gone', async () => {
      const h = await open();
      await withVersion(h);
      const referenced = text('# Referenced\n');
      await attachEvidence(h.deps, people.ci, {
        model,
        version: 'v1',
        files: [{ path: 'notes.md', bytes: referenced }],
      });
      const orphans = [await h.blobs.put(text('one')), await h.blobs.put(text('two'))];
      h.clock.advance(2 * hour);
      await Promise.all([
        collectBlobs(h.deps, { job: 'a', graceSeconds: 3600 }),
        collectBlobs(h.deps, { job: 'b', graceSeconds: 3600 }),
      ]);
      // A collector starting mid-run may put back what the other set aside; the next run takes it.
      await collectBlobs(h.deps, { job: 'c', graceSeconds: 3600 });
      for (const o of orphans) expect(await h.blobs.has(o.digest)).toBe(false);
      expect(await h.blobs.has(digestOf(referenced))).toBe(true);
      const left: string[] = [];
      for await (const b of h.blobs.list()) left.push(b.digest);
      expect(left).toEqual([digestOf(referenced)]);
    });
  });
}

forEachStore('blob collection and interrupted writes [file blobs]', (openStore) => {
  it('removes what interrupted writes left once past the grace, and audits only blobs', async () => {
    const h = await openStore();
    const root = await mkdtemp(join(tmpdir(), 'clearance-abandoned-'));
    try {
      const blobs = new FileBlobStore(root);
      const deps: AppDeps = { ...h.deps, blobs, gateRunner: new InProcessGateRunner(blobs) };
      await withVersion({ ...h, blobs, deps });
      const kept = await blobs.put(text('# Referenced\n'));
      await attachEvidence(deps, people.ci, {
        model,
        version: 'v1',
        files: [{ path: 'notes.md', bytes: text('# Referenced\n') }],
      });
      // A process killed between writing a blob's temporary file and renaming it into place left
      // one two hours ago (by the clock the run reads); another write is still going on.
      const hex = kept.digest.slice('sha256:'.length);
      const folder = join(root, 'sha256', hex.slice(0, 2), hex.slice(2, 4));
      const abandoned = join(folder, `${hex.replace(/^./, 'f')}.00aa11bb22cc.tmp`);
      const inFlight = join(folder, `${hex.replace(/^./, 'e')}.33dd44ee55ff.tmp`);
      await writeFile(abandoned, 'half a blob');
      await writeFile(inFlight, 'a blob being written');
      const twoHoursAgo = new Date(h.clock.now().getTime() - 2 * hour);
      await utimes(abandoned, twoHoursAgo, twoHoursAgo);
      await utimes(inFlight, h.clock.now(), h.clock.now());
      const before = await readActions(h);

      const dry = await collectBlobs(deps, { job: 'test', graceSeconds: 3600, dryRun: true });
      expect(dry.abandonedWrites).toStrictEqual({ files: 1, bytes: 'half a blob'.length });
      expect((await readdir(folder)).length).toBe(3);

      const run = await collectBlobs(deps, { job: 'test', graceSeconds: 3600 });
      expect(run.abandonedWrites).toStrictEqual({ files: 1, bytes: 'half a blob'.length });
      expect(run.blobs).toEqual([]);
      expect((await readdir(folder)).sort()).toStrictEqual(
        [hex, `${hex.replace(/^./, 'e')}.33dd44ee55ff.tmp`].sort(),
      );
      expect(await blobs.has(kept.digest)).toBe(true);
      // Never a blob, never named by anything recorded: no audit entry for it.
      expect(await readActions(h)).toEqual(before);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
