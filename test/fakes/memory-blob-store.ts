import { createHash } from 'node:crypto';
import type { BlobStore } from '../../src/app/ports.js';
import { ClearanceError } from '../../src/domain/index.js';

/** Content-addressed bytes in a Map; `tamper` lets a test corrupt a stored blob. */
export interface MemoryBlobStore extends BlobStore {
  tamper(digest: string, bytes: Uint8Array): void;
}

export function createMemoryBlobStore(): MemoryBlobStore {
  const blobs = new Map<string, Uint8Array>();
  return {
    put: async (bytes) => {
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      if (!blobs.has(digest)) blobs.set(digest, new Uint8Array(bytes));
      return { digest, size: bytes.byteLength };
    },
    get: async (digest) => {
      const found = blobs.get(digest);
      if (!found) {
        throw new ClearanceError('not_found', `No blob is stored under ${digest}.`, {
          problems: [{ message: `Blob ${digest} is missing.`, fix: 'Attach the evidence again.' }],
        });
      }
      return new Uint8Array(found);
    },
    has: async (digest) => blobs.has(digest),
    tamper: (digest, bytes) => {
      blobs.set(digest, new Uint8Array(bytes));
    },
  };
}
