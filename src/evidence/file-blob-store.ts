/**
 * Content-addressed blobs on the local file system, at `root/sha256/ab/cd/<hex>`. Implements the
 * `BlobStore` port structurally (evidence/ may not import app/, see test/architecture.test.ts).
 */
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ClearanceError } from '../domain/index.js';
import {
  assertBlobIntact,
  corruptedBlob,
  parseBlobDigest,
  sha256Hex,
  verifiedChunks,
  writeVerifiedFile,
} from './blob-digest.js';
import {
  type BlobFileResult,
  blobFilePath,
  foldersMade,
  tempFileName,
  tempPathFor,
} from './blob-file-ops.js';
import { type BlobFileThread, processBlobFileThread, systemError } from './blob-file-thread.js';

export class FileBlobStore {
  readonly #root: string;
  readonly #thread: BlobFileThread | undefined;

  /**
   * `ioThread`: the thread small blobs are written and read on (ADR 047); the process's own by
   * default, none with `false` (every call from this thread, through libuv's pool).
   */
  constructor(root: string, options: { ioThread?: BlobFileThread | false } = {}) {
    this.#root = root;
    this.#thread =
      options.ioThread === false ? undefined : (options.ioThread ?? processBlobFileThread());
  }

  /** Idempotent: storing bytes already present writes nothing and returns the same digest. */
  async put(bytes: Uint8Array): Promise<{ digest: string; size: number }> {
    if (this.#thread === undefined || bytes.length > largestOnThread) return this.#putHere(bytes);
    const request = { kind: 'put', root: this.#root, bytes: ownCopy(bytes) } as const;
    const result = await this.#thread.run(request);
    // The thread could not take it (not started, stalled, gone): stored from here instead.
    if (result === undefined) return this.#putHere(bytes);
    if (result.kind === 'stored') return { digest: `sha256:${result.hex}`, size: result.size };
    throw unexpected(result);
  }

  /** Stored from this thread: too large to copy to the I/O thread, or the thread could not take it. */
  async #putHere(bytes: Uint8Array): Promise<{ digest: string; size: number }> {
    const hex = sha256Hex(bytes);
    const digest = `sha256:${hex}`;
    const path = this.#path(hex);
    if (await exists(path)) return { digest, size: bytes.length };
    // Owner-only, like the rest of the data directory (docs/operations.md, file modes); the parent
    // of each folder made is flushed, as the I/O thread does (blob-file-ops.ts, `makeFolder`).
    const first = await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    for (const made of foldersMade(dirname(path), first)) await syncDirectory(dirname(made));
    // Write beside the target, flush, then rename: readers see the whole blob or none of it.
    const temp = tempPathFor(path);
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
    if (this.#thread === undefined) return this.#getHere(digest, hex);
    const path = this.#path(hex);
    const result = await this.#thread.run({ kind: 'read', path, hex, largest: largestOnThread });
    // Too large to copy between threads, or the thread could not take it: read from here.
    if (result === undefined || result.kind === 'too-large') return this.#getHere(digest, hex);
    switch (result.kind) {
      case 'read':
        return result.bytes;
      case 'missing':
        throw missingBlob(digest, systemError(result.error));
      case 'corrupted':
        throw corruptedBlob(digest, result.actualHex);
      default:
        throw unexpected(result);
    }
  }

  async #getHere(digest: string, hex: string): Promise<Uint8Array> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.#path(hex));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw missingBlob(digest, error);
      throw error;
    }
    assertBlobIntact(digest, hex, bytes);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async writeTo(digest: string, path: string): Promise<void> {
    const file = await this.#open(digest);
    // The stream closes the handle when it ends or fails.
    await writeVerifiedFile({ source: file.createReadStream(), digest, path });
  }

  async stream(digest: string): Promise<{ size: number; chunks: AsyncIterable<Uint8Array> }> {
    const file = await this.#open(digest);
    let size: number;
    try {
      size = (await file.stat()).size;
    } catch (error) {
      await file.close();
      throw error;
    }
    // The read stream closes the handle when it ends, fails or is destroyed by an early return.
    return { size, chunks: verifiedChunks({ source: file.createReadStream(), digest, size }) };
  }

  async #open(digest: string): Promise<FileHandle> {
    const hex = parseBlobDigest(digest);
    try {
      return await open(this.#path(hex), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw missingBlob(digest, error);
      throw error;
    }
  }

  async has(digest: string): Promise<boolean> {
    return exists(this.#path(parseBlobDigest(digest)));
  }

  async *list(): AsyncIterable<{ digest: string; size: number }> {
    for (const path of await this.#files((name) => hexName.test(name))) {
      const info = await stat(path).catch(() => undefined);
      if (info) yield { digest: `sha256:${path.slice(-64)}`, size: info.size };
    }
  }

  /** Renamed beside itself: a `put` meanwhile finds no blob and stores it anew. */
  async withdraw(
    digest: string,
  ): Promise<{ size: number; restore(): Promise<void>; discard(): Promise<void> } | undefined> {
    const path = this.#path(parseBlobDigest(digest));
    const aside = `${path}${withdrawnSuffix}`;
    let size: number;
    try {
      size = (await stat(path)).size;
      await rename(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return { size, restore: () => putBack(aside, path), discard: () => rm(aside, { force: true }) };
  }

  async restoreWithdrawn(): Promise<number> {
    const aside = await this.#files((name) => name.endsWith(withdrawnSuffix));
    for (const path of aside) await putBack(path, path.slice(0, -withdrawnSuffix.length));
    return aside.length;
  }

  async removeAbandonedWrites(input: {
    before: Date;
    dryRun: boolean;
  }): Promise<{ files: number; bytes: number }> {
    const found = { files: 0, bytes: 0 };
    for (const path of await this.#files((name) => tempFileName.test(name))) {
      // A write still going on changes its file; one older than `before` was abandoned.
      const info = await stat(path).catch(() => undefined);
      if (info === undefined || info.mtimeMs >= input.before.getTime()) continue;
      if (!input.dryRun) await rm(path, { force: true });
      found.files += 1;
      found.bytes += info.size;
    }
    return found;
  }

  async #files(wanted: (name: string) => boolean): Promise<string[]> {
    const root = join(this.#root, 'sha256');
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      },
    );
    return entries
      .filter((e) => e.isFile() && wanted(e.name))
      .map((e) => join(e.parentPath, e.name));
  }

  #path(hex: string): string {
    return blobFilePath(this.#root, hex);
  }
}

/**
 * Blobs up to this size are written and read on the I/O thread (ADR 047); a larger one is stored
 * and read from the event loop's thread, so it is never copied between threads whole.
 */
const largestOnThread = 8 * 1024 * 1024;

/**
 * Bytes the I/O thread may take: a view of part of a larger buffer (a file in a multipart body)
 * would be copied to the thread with all of its buffer, so only its own bytes are sent.
 */
function ownCopy(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes
    : bytes.slice();
}

function missingBlob(digest: string, cause?: unknown): ClearanceError {
  return new ClearanceError('not_found', `Blob ${digest} is not in the blob store`, {
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A result the request could not have had; a failed system call is thrown as `fs` throws it. */
function unexpected(result: BlobFileResult): Error {
  if (result.kind === 'failed') return systemError(result.error);
  return new Error(`The blob I/O thread answered ${result.kind} out of turn`);
}

const hexName = /^[0-9a-f]{64}$/;
const withdrawnSuffix = '.withdrawn';

/** A blob stored again while it was withdrawn is the same bytes: keep it, drop the aside copy. */
async function putBack(aside: string, path: string): Promise<void> {
  try {
    if (await exists(path)) await rm(aside, { force: true });
    else await rename(aside, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
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
