import { writeFile } from 'node:fs/promises';
import type { BlobStore } from '../../src/app/shared/ports.js';
import { ClearanceError } from '../../src/domain/index.js';
import {
  assertBlobIntact,
  parseBlobDigest,
  sha256Hex,
  verifiedChunks,
} from '../../src/evidence/blob-digest.js';

/**
 * Content-addressed bytes in a Map, held to FileBlobStore's contract (test/store/
 * blob-store-contract.test.ts): a malformed digest is `invalid_input`, a missing blob
 * `not_found`, and bytes that no longer hash to their digest are refused on read.
 */
export interface MemoryBlobStore extends BlobStore {
  /** Overwrites a stored blob's bytes, as a corrupted disk would; `get` then refuses it. */
  tamper(digest: string, bytes: Uint8Array): void;
}

function missing(digest: string): ClearanceError {
  return new ClearanceError('not_found', `Blob ${digest} is not in the blob store`, {
    problems: [{ message: `Blob ${digest} is missing.`, fix: 'Attach the evidence again.' }],
  });
}

export function createMemoryBlobStore(): MemoryBlobStore {
  const blobs = new Map<string, Uint8Array>();
  const withdrawn = new Map<string, Uint8Array>();
  const putBack = (digest: string) => {
    const bytes = withdrawn.get(digest);
    withdrawn.delete(digest);
    if (bytes && !blobs.has(digest)) blobs.set(digest, bytes);
  };
  return {
    async *list() {
      for (const [digest, bytes] of [...blobs]) yield { digest, size: bytes.byteLength };
    },
    withdraw: async (digest) => {
      const bytes = blobs.get(digest);
      if (!bytes) return undefined;
      blobs.delete(digest);
      withdrawn.set(digest, bytes);
      return {
        size: bytes.byteLength,
        restore: async () => putBack(digest),
        discard: async () => {
          withdrawn.delete(digest);
        },
      };
    },
    restoreWithdrawn: async () => {
      const count = withdrawn.size;
      for (const digest of [...withdrawn.keys()]) putBack(digest);
      return count;
    },
    // A Map's set is all or nothing: no write is ever left half done.
    removeAbandonedWrites: async () => ({ files: 0, bytes: 0 }),
    put: async (bytes) => {
      const digest = `sha256:${sha256Hex(bytes)}`;
      if (!blobs.has(digest)) blobs.set(digest, new Uint8Array(bytes));
      return { digest, size: bytes.byteLength };
    },
    async writeTo(digest, path) {
      await writeFile(path, await this.get(digest), { flag: 'wx' });
    },
    stream: async (digest) => {
      const hex = parseBlobDigest(digest);
      const found = blobs.get(digest);
      if (!found) throw missing(digest);
      // Small slices, so a consumer meets several chunks as it does from a file or a socket.
      const slices = async function* () {
        for (let at = 0; at < found.byteLength; at += 64 * 1024)
          yield found.slice(at, at + 64 * 1024);
      };
      return {
        size: found.byteLength,
        chunks: verifiedChunks({
          source: slices(),
          digest: `sha256:${hex}`,
          size: found.byteLength,
        }),
      };
    },
    get: async (digest) => {
      const hex = parseBlobDigest(digest);
      const found = blobs.get(digest);
      if (!found) throw missing(digest);
      assertBlobIntact(digest, hex, found);
      return new Uint8Array(found);
    },
    has: async (digest) => blobs.has(`sha256:${parseBlobDigest(digest)}`),
    tamper: (digest, bytes) => {
      blobs.set(digest, new Uint8Array(bytes));
    },
  };
}
