import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
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
    const bad = await blobs.get('sha256:../../etc/passwd').catch((e: unknown) => e);
    expect((bad as ClearanceError).code).toBe('invalid_input');
  });
});
