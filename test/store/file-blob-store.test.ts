import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/app/shared/ports.js';
import { ClearanceError } from '../../src/domain/index.js';
import { FileBlobStore } from '../../src/evidence/file-blob-store.js';
import { digestOf } from './fixtures.js';

describe('FileBlobStore', () => {
  let root: string;
  let blobs: BlobStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'clearance-blobs-'));
    blobs = new FileBlobStore(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const bytes = new TextEncoder().encode('{"auc":0.81}');
  const digest = digestOf('{"auc":0.81}');
  const hex = digest.slice('sha256:'.length);

  it('stores bytes under root/sha256/ab/cd/<hex> and reads them back', async () => {
    expect(await blobs.put(bytes)).toStrictEqual({ digest, size: bytes.length });
    expect(await blobs.has(digest)).toBe(true);
    expect(Buffer.from(await blobs.get(digest)).toString()).toBe('{"auc":0.81}');
    const dir = join(root, 'sha256', hex.slice(0, 2), hex.slice(2, 4));
    expect(await readdir(dir)).toStrictEqual([hex]);
  });

  it('is idempotent and leaves no temporary files', async () => {
    await blobs.put(bytes);
    expect(await blobs.put(bytes)).toStrictEqual({ digest, size: bytes.length });
    const dir = join(root, 'sha256', hex.slice(0, 2), hex.slice(2, 4));
    expect(await readdir(dir)).toStrictEqual([hex]);
  });

  it('names the digest of a corrupted blob', async () => {
    await blobs.put(bytes);
    await writeFile(join(root, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex), 'tampered');
    const error = await blobs.get(digest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClearanceError);
    expect((error as ClearanceError).message).toContain(`Blob ${digest} is corrupted`);
  });

  it('reports a missing blob as not_found and a malformed digest as invalid_input', async () => {
    expect(await blobs.has(digest)).toBe(false);
    const missing = await blobs.get(digest).catch((e: unknown) => e);
    expect((missing as ClearanceError).code).toBe('not_found');
    // The system's answer stays the cause, on the I/O thread's path as on the event loop's.
    expect((missing as ClearanceError).cause).toMatchObject({ code: 'ENOENT', syscall: 'open' });
    const here = new FileBlobStore(root, { ioThread: false });
    const missingHere = await here.get(digest).catch((e: unknown) => e);
    expect((missingHere as ClearanceError).cause).toMatchObject({
      code: 'ENOENT',
      syscall: 'open',
    });
    const bad = await blobs.get('sha256:../../etc/passwd').catch((e: unknown) => e);
    expect((bad as ClearanceError).code).toBe('invalid_input');
  });

  it('removes the partial files of interrupted writes once old enough, never a blob', async () => {
    const store = new FileBlobStore(root);
    await store.put(bytes);
    const folder = join(root, 'sha256', hex.slice(0, 2), hex.slice(2, 4));
    // What a process killed between writing and renaming leaves: the temporary file, as both
    // write paths name it; one of another blob in a folder of its own.
    const otherHex = createHash('sha256').update('other').digest('hex');
    const otherFolder = join(root, 'sha256', otherHex.slice(0, 2), otherHex.slice(2, 4));
    await mkdir(otherFolder, { recursive: true });
    const old = [
      join(folder, `${hex}.0123456789ab.tmp`),
      join(otherFolder, `${otherHex}.a1b2c3d4e5f6.tmp`),
    ];
    const fresh = join(folder, `${hex}.ba9876543210.tmp`);
    // Not of the store's naming: left alone whatever its age.
    const foreign = join(folder, 'notes.tmp');
    for (const path of [...old, fresh, foreign]) await writeFile(path, 'partial');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    for (const path of [...old, foreign]) await utimes(path, twoHoursAgo, twoHoursAgo);
    // The blob itself is old too: never touched.
    await utimes(join(folder, hex), twoHoursAgo, twoHoursAgo);
    const before = new Date(Date.now() - 3600 * 1000);

    expect(await store.removeAbandonedWrites({ before, dryRun: true })).toStrictEqual({
      files: 2,
      bytes: 2 * 'partial'.length,
    });
    expect((await readdir(folder)).sort()).toStrictEqual(
      [hex, `${hex}.0123456789ab.tmp`, `${hex}.ba9876543210.tmp`, 'notes.tmp'].sort(),
    );
    expect(await store.removeAbandonedWrites({ before, dryRun: false })).toStrictEqual({
      files: 2,
      bytes: 2 * 'partial'.length,
    });
    expect((await readdir(folder)).sort()).toStrictEqual(
      [hex, `${hex}.ba9876543210.tmp`, 'notes.tmp'].sort(),
    );
    expect(await readdir(otherFolder)).toStrictEqual([]);
    expect(Buffer.from(await store.get(digest)).toString()).toBe('{"auc":0.81}');
    expect(await store.removeAbandonedWrites({ before, dryRun: false })).toStrictEqual({
      files: 0,
      bytes: 0,
    });
  });

  it('stores only the bytes of a view into a larger buffer (a file of a multipart body)', async () => {
    const body = new TextEncoder().encode(`--b\r\n{"auc":0.81}\r\n--b--`);
    const view = body.subarray(5, 5 + bytes.length);
    expect(await blobs.put(view)).toStrictEqual({ digest, size: bytes.length });
    expect(Buffer.from(await blobs.get(digest)).toString()).toBe('{"auc":0.81}');
  });

  it('stores and reads a blob past the I/O thread size from this thread, with the same checks', async () => {
    const large = new Uint8Array(8 * 1024 * 1024 + 1).fill(7);
    const largeDigest = `sha256:${createHash('sha256').update(large).digest('hex')}`;
    expect(await blobs.put(large)).toStrictEqual({ digest: largeDigest, size: large.length });
    expect(Buffer.compare(Buffer.from(await blobs.get(largeDigest)), Buffer.from(large))).toBe(0);
    const largeHex = largeDigest.slice('sha256:'.length);
    const path = join(root, 'sha256', largeHex.slice(0, 2), largeHex.slice(2, 4), largeHex);
    await writeFile(path, large.fill(8));
    const error = await blobs.get(largeDigest).catch((e: unknown) => e);
    expect((error as ClearanceError).code).toBe('invalid_evidence');
  });

  it('throws a failed write as the file system does, with its code', async () => {
    const file = join(root, 'not-a-directory');
    await writeFile(file, 'x');
    const error = await new FileBlobStore(file).put(bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOTDIR');
  });

  it('serves many writes and reads at once, each its own answer', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `{"auc":0.${i}}`);
    const stored = await Promise.all(texts.map((t) => blobs.put(new TextEncoder().encode(t))));
    expect(stored.map((s) => s.digest)).toStrictEqual(texts.map((t) => digestOf(t)));
    const read = await Promise.all(stored.map((s) => blobs.get(s.digest)));
    expect(read.map((b) => Buffer.from(b).toString())).toStrictEqual(texts);
  });
});
