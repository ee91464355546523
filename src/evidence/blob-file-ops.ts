/**
 * The file blob store's writes and reads as blocking calls, for its I/O thread
 * (blob-file-worker.ts, ADR 047): each blob is a handful of system calls, and made from the event
 * loop through `fs/promises` each call costs the loop a promise and a wake-up, which on the
 * governed path was a tenth of the main thread. Layout and guarantees are FileBlobStore's: blobs at
 * `root/sha256/ab/cd/<hex>`, written beside the target, flushed, renamed, and the directory
 * flushed; a read checks the bytes still hash to the address.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** Where a blob of `hex` lies under `root`. */
export function blobFilePath(root: string, hex: string): string {
  return join(root, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
}

/**
 * Where a blob is written before it is renamed into place: beside it, under a name of its own.
 * Only a write that was interrupted (the process killed before the rename) leaves one behind;
 * blob collection removes those once they are older than the grace period
 * (`FileBlobStore.removeAbandonedWrites`).
 */
export function tempPathFor(path: string): string {
  return `${path}.${randomBytes(6).toString('hex')}.tmp`;
}

/** The file name `tempPathFor` gives. */
export const tempFileName = /^[0-9a-f]{64}\.[0-9a-f]{12}\.tmp$/;

/** An error of a system call, as it crosses to the event loop's thread. */
export interface SystemErrorFields {
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

export type BlobFileRequest =
  | { kind: 'put'; root: string; bytes: Uint8Array }
  | { kind: 'read'; path: string; hex: string; largest: number };

export type BlobFileResult =
  | { kind: 'stored'; hex: string; size: number }
  | { kind: 'read'; bytes: Uint8Array<ArrayBuffer> }
  /** Larger than the request's `largest`: the caller reads it itself (not copied between threads). */
  | { kind: 'too-large' }
  /** No file at the path: `error` is the open's ENOENT, kept as the `not_found`'s cause. */
  | { kind: 'missing'; error: SystemErrorFields }
  | { kind: 'corrupted'; actualHex: string }
  | { kind: 'failed'; error: SystemErrorFields };

/**
 * Stores `bytes` under `root` by their SHA-256 (idempotent: bytes already stored write nothing).
 * `made` remembers directories known to exist, so a blob beside others costs no `mkdir`.
 */
export function storeBlobFile(
  root: string,
  bytes: Uint8Array,
  made: Set<string>,
): { hex: string; size: number } {
  const hex = createHash('sha256').update(bytes).digest('hex');
  const path = blobFilePath(root, hex);
  const stored = { hex, size: bytes.length };
  if (exists(path)) return stored;
  const folder = dirname(path);
  if (!made.has(folder)) {
    makeFolder(folder);
    made.add(folder);
  }
  const temp = tempPathFor(path);
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o600);
  } catch (error) {
    // The folder was removed behind the cache's back: make it again, once.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    made.delete(folder);
    makeFolder(folder);
    made.add(folder);
    fd = openSync(temp, 'wx', 0o600);
  }
  try {
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // Readers see the whole blob or none of it.
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  // Makes the rename itself durable (POSIX: the directory entry lives in the directory).
  syncFolder(folder);
  return stored;
}

/**
 * Makes `folder` and any missing parents, owner-only like the rest of the data directory
 * (docs/operations.md, file modes), and flushes the parent of each folder it made: a folder's
 * entry lives in its parent, so without that a power cut could take a new `ab/` or `cd/` folder,
 * and the blob in it, after the write was acknowledged.
 */
function makeFolder(folder: string): void {
  const first = mkdirSync(folder, { recursive: true, mode: 0o700 });
  for (const made of foldersMade(folder, first)) syncFolder(dirname(made));
}

/** The folders a recursive `mkdir` of `folder` made, given the first it made (outermost first). */
export function foldersMade(folder: string, first: string | undefined): string[] {
  if (first === undefined) return [];
  const made = [folder];
  for (let at = folder; at !== first && dirname(at) !== at; ) {
    at = dirname(at);
    made.unshift(at);
  }
  return made;
}

function syncFolder(folder: string): void {
  const directory = openSync(folder, 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}

/**
 * The blob at `path` if it is at most `largest` bytes and still hashes to `hex`. Read into a
 * buffer of its own (never a pooled one), so it can be handed to another thread without a copy.
 */
export function readBlobFile(path: string, hex: string, largest: number): BlobFileResult {
  let fd: number;
  try {
    // Not blocking on open: a FIFO put at a blob's path would otherwise hold the thread for good.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { kind: 'missing', error: systemErrorFields(error) };
    }
    throw error;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile() && !info.isDirectory()) {
      const message = `EINVAL: a blob is a regular file, and this is not one, read '${path}'`;
      return { kind: 'failed', error: { message, code: 'EINVAL', syscall: 'read', path } };
    }
    const size = info.size;
    if (size > largest) return { kind: 'too-large' };
    const bytes = new Uint8Array(new ArrayBuffer(size));
    let at = 0;
    while (at < size) {
      const read = readSync(fd, bytes, at, size - at, at);
      if (read === 0) break;
      at += read;
    }
    const got = at === size ? bytes : bytes.subarray(0, at);
    const actualHex = createHash('sha256').update(got).digest('hex');
    if (actualHex !== hex) return { kind: 'corrupted', actualHex };
    return { kind: 'read', bytes: got };
  } finally {
    closeSync(fd);
  }
}

/** One request carried out; a failing system call comes back as `failed`, never thrown. */
export function runBlobFileRequest(request: BlobFileRequest, made: Set<string>): BlobFileResult {
  try {
    if (request.kind === 'read') return readBlobFile(request.path, request.hex, request.largest);
    return { kind: 'stored', ...storeBlobFile(request.root, request.bytes, made) };
  } catch (error) {
    return { kind: 'failed', error: systemErrorFields(error) };
  }
}

function systemErrorFields(error: unknown): SystemErrorFields {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, errno, syscall, path } = error as NodeJS.ErrnoException;
  return {
    message: error.message,
    ...(code === undefined ? {} : { code }),
    ...(errno === undefined ? {} : { errno }),
    ...(syscall === undefined ? {} : { syscall }),
    ...(path === undefined ? {} : { path }),
  };
}

function exists(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}
