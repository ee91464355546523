import { createHash } from 'node:crypto';
import type { BlobStore } from '../../src/app/ports.js';
import { ClearanceError } from '../../src/domain/index.js';

/**
 * Content-addressed bytes in a Map, held to FileBlobStore's contract (test/store/
 * blob-store-contract.test.ts): a malformed digest is `invalid_input`, a missing blob
 * `not_found`, and bytes that no longer hash to their digest are refused on read.
 */
export interface MemoryBlobStore extends BlobStore {
  /** Overwrites a stored blob's bytes, as a corrupted disk would; `get` then refuses it. */
  tamper(digest: string, bytes: Uint8Array): void;
}

const digestPattern = /^sha256:([0-9a-f]{64})$/;

export function createMemoryBlobStore(): MemoryBlobStore {
  const blobs = new Map<string, Uint8Array>();
  return {
    put: async (bytes) => {
      const digest = `sha256:${sha256Hex(bytes)}`;
      if (!blobs.has(digest)) blobs.set(digest, new Uint8Array(bytes));
      return { digest, size: bytes.byteLength };
    },
    get: async (digest) => {
      const hex = parseDigest(digest);
      const found = blobs.get(digest);
      if (!found) {
        throw new ClearanceError('not_found', `Blob ${digest} is not in the blob store`, {
          problems: [{ message: `Blob ${digest} is missing.`, fix: 'Attach the evidence again.' }],
        });
      }
      const actual = sha256Hex(found);
      if (actual !== hex) {
        throw new ClearanceError(
          'invalid_evidence',
          `Blob ${digest} is corrupted: its bytes now hash to sha256:${actual}; restore it from a backup`,
        );
      }
      return new Uint8Array(found);
    },
    has: async (digest) => blobs.has(`sha256:${parseDigest(digest)}`),
    tamper: (digest, bytes) => {
      blobs.set(digest, new Uint8Array(bytes));
    },
  };
}

function parseDigest(digest: string): string {
  const hex = digestPattern.exec(digest)?.[1];
  if (hex === undefined) {
    throw new ClearanceError(
      'invalid_input',
      `"${digest}" is not a blob digest; expected sha256: followed by 64 lowercase hex digits`,
    );
  }
  return hex;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
