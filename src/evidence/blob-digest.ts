/**
 * The content addressing every blob store shares: `sha256:<64 lowercase hex>`, the refusal of
 * bytes that no longer hash to their address, and the streamed copy into a file that checks the
 * address on the way (so a big blob is never held whole in memory).
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ClearanceError } from '../domain/index.js';

const digestPattern = /^sha256:([0-9a-f]{64})$/;

/** The hex part of a blob digest; `invalid_input` for anything else. */
export function parseBlobDigest(digest: string): string {
  const hex = digestPattern.exec(digest)?.[1];
  if (hex === undefined) {
    throw new ClearanceError(
      'invalid_input',
      `"${digest}" is not a blob digest; expected sha256: followed by 64 lowercase hex digits`,
    );
  }
  return hex;
}

/** Lowercase hex SHA-256 of the bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Throws `invalid_evidence` unless `bytes` still hash to the blob's address `hex`. */
export function assertBlobIntact(digest: string, hex: string, bytes: Uint8Array): void {
  assertHashMatches(digest, hex, sha256Hex(bytes));
}

function assertHashMatches(digest: string, hex: string, actual: string): void {
  if (actual !== hex) throw corruptedBlob(digest, actual);
}

/** `invalid_evidence`: the blob at `digest` now hashes to `actualHex`. */
export function corruptedBlob(digest: string, actualHex: string): ClearanceError {
  return new ClearanceError(
    'invalid_evidence',
    `Blob ${digest} is corrupted: its bytes now hash to sha256:${actualHex}; restore it from a backup`,
  );
}

/**
 * Streams a blob's bytes into a new file at `path` (refused if it exists), hashing them on the
 * way; when they do not hash to `digest` the file is removed and the blob refused, so nothing
 * reads a tampered blob.
 */
export async function writeVerifiedFile(input: {
  source: Readable | AsyncIterable<Uint8Array>;
  digest: string;
  path: string;
}): Promise<void> {
  const { source, digest, path } = input;
  const hex = parseBlobDigest(digest);
  const hash = createHash('sha256');
  const target = createWriteStream(path, { flags: 'wx' });
  try {
    await pipeline(
      source,
      async function* (chunks: AsyncIterable<Uint8Array>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          yield chunk;
        }
      },
      target,
    );
    assertHashMatches(digest, hex, hash.digest('hex'));
  } catch (error) {
    // Only what this call created: a file that was already there made `wx` fail before writing.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') await rm(path, { force: true });
    throw error;
  }
}

/**
 * Reads a blob of `size` bytes from a stream into one buffer of that size (no list of chunks to
 * join), refusing it unless it is exactly that long and hashes to `digest`.
 */
export async function readVerified(input: {
  source: AsyncIterable<Uint8Array>;
  digest: string;
  size: number;
}): Promise<Uint8Array> {
  const { source, digest, size } = input;
  const hex = parseBlobDigest(digest);
  const hash = createHash('sha256');
  const bytes = new Uint8Array(size);
  let at = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    if (at + chunk.byteLength <= size) bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  if (at !== size) {
    throw new ClearanceError(
      'invalid_evidence',
      `Blob ${digest} is corrupted: the store announced ${size} bytes and sent ${at}; restore it from a backup`,
    );
  }
  assertHashMatches(digest, hex, hash.digest('hex'));
  return bytes;
}

/**
 * A blob's chunks as they are read, checked on the way: it fails with `invalid_evidence` unless
 * exactly `size` bytes come and they hash to `digest`. The last chunk is held back until the check
 * passes, so a consumer never receives the whole of a tampered blob and never sees it end cleanly.
 * Closing the iteration early (`return()`) closes `source`, also before the first chunk was
 * asked for: an async generator that never started skips its body on `return()`, `finally`
 * included, so a stream opened and then abandoned would keep its file or socket.
 */
export function verifiedChunks(input: {
  source: Readable | AsyncGenerator<Uint8Array, void, undefined>;
  digest: string;
  size: number;
}): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const checked = checkedChunks(input);
      return {
        next: () => checked.next(),
        async return() {
          const { source } = input;
          if ('destroy' in source) source.destroy();
          else await source.return(undefined);
          return checked.return(undefined);
        },
      };
    },
  };
}

async function* checkedChunks(input: {
  source: AsyncIterable<Uint8Array>;
  digest: string;
  size: number;
}): AsyncGenerator<Uint8Array, void, undefined> {
  const { source, digest, size } = input;
  const hex = parseBlobDigest(digest);
  const hash = createHash('sha256');
  let at = 0;
  let held: Uint8Array | undefined;
  for await (const chunk of source) {
    hash.update(chunk);
    at += chunk.byteLength;
    if (at > size) throw sizeMismatch(digest, size, at);
    if (held) yield held;
    held = chunk;
  }
  if (at !== size) throw sizeMismatch(digest, size, at);
  assertHashMatches(digest, hex, hash.digest('hex'));
  if (held) yield held;
}

function sizeMismatch(digest: string, size: number, sent: number): ClearanceError {
  return new ClearanceError(
    'invalid_evidence',
    `Blob ${digest} is corrupted: the store announced ${size} bytes and sent ${sent > size ? 'more' : sent}; restore it from a backup`,
  );
}
