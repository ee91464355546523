/**
 * Content-addressed blobs on the local file system, at `root/sha256/ab/cd/<hex>`. Implements the
 * `BlobStore` port structurally (evidence/ may not import app/, see test/architecture.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ClearanceError } from '../domain/errors.js';
import { assertBlobIntact, parseBlobDigest, sha256Hex } from './blob-digest.js';

export class FileBlobStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  /** Idempotent: storing bytes already present writes nothing and returns the same digest. */
  async put(bytes: Uint8Array): Promise<{ digest: string; size: number }> {
    const hex = sha256Hex(bytes);
    const digest = `sha256:${hex}`;
    const path = this.#path(hex);
    if (await exists(path)) return { digest, size: bytes.length };
    // Owner-only, like the rest of the data directory (docs/operations.md, file modes).
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // Write beside the target, flush, then rename: readers see the whole blob or none of it.
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const file = await open(temp, 'wx', 0o600);
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await syncDirectory(dirname(path));
    return { digest, size: bytes.length };
  }

  /** The bytes, after checking they still hash to `digest`. */
  async get(digest: string): Promise<Uint8Array> {
    const hex = parseBlobDigest(digest);
    let bytes: Buffer;
    try {
      bytes = await readFile(this.#path(hex));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ClearanceError('not_found', `Blob ${digest} is not in the blob store`, {
          cause: error,
        });
      }
      throw error;
    }
    assertBlobIntact(digest, hex, bytes);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async has(digest: string): Promise<boolean> {
    return exists(this.#path(parseBlobDigest(digest)));
  }

  #path(hex: string): string {
    return join(this.#root, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Makes the rename itself durable (POSIX: the directory entry lives in the directory). */
async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
