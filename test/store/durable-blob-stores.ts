/**
 * The durable blob stores tests run on — a directory and the local S3-compatible server — each
 * with a way to overwrite a stored blob behind the store's back (corruption the store must catch).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobStore } from '../../src/app/shared/ports.js';
import { FileBlobStore } from '../../src/evidence/file-blob-store.js';
import { S3BlobStore } from '../../src/evidence/s3-blob-store.js';
import type { LocalS3 } from './s3-server.js';

/** A blob store under test, and how to corrupt what it holds behind its back. */
export interface OpenBlobStore {
  blobs: BlobStore;
  corrupt(digest: string, bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface NamedBlobStore {
  name: string;
  open: () => Promise<OpenBlobStore>;
}

/** Where a blob of `digest` lies under a store's root or key prefix. */
function blobKey(digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return `sha256/${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}`;
}

/**
 * The file store in a fresh temporary directory, and the S3 store under `prefix` in a fresh
 * bucket of the server `s3()` answers (started by the test file's beforeAll).
 */
export function durableBlobStores(s3: () => LocalS3 | undefined, prefix: string): NamedBlobStore[] {
  return [
    {
      name: 'FileBlobStore',
      open: async () => {
        const root = await mkdtemp(join(tmpdir(), 'clearance-blobs-'));
        return {
          blobs: new FileBlobStore(root),
          corrupt: (digest, bytes) => writeFile(join(root, blobKey(digest)), bytes),
          close: () => rm(root, { recursive: true, force: true }),
        };
      },
    },
    {
      name: 'S3BlobStore (s3rver)',
      open: async () => {
        const local = s3();
        if (!local) throw new Error('the local S3 server did not start');
        const bucket = await local.bucket();
        const blobs = new S3BlobStore(local.options(bucket, prefix));
        return {
          blobs,
          corrupt: (digest, bytes) => local.putRaw(bucket, `${prefix}${blobKey(digest)}`, bytes),
          close: async () => blobs.close(),
        };
      },
    },
  ];
}
