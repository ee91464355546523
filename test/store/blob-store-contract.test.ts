import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/app/shared/ports.js';
import { ClearanceError } from '../../src/domain/index.js';
import { FileBlobStore } from '../../src/evidence/file-blob-store.js';
import { createMemoryBlobStore } from '../fakes/memory-blob-store.js';
import { digestOf } from './fixtures.js';

/** A blob store under test, and how to corrupt what it holds behind its back. */
interface OpenBlobStore {
  blobs: BlobStore;
  corrupt(digest: string, bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

const implementations: { name: string; open: () => Promise<OpenBlobStore> }[] = [
  {
    name: 'FileBlobStore',
    open: async () => {
      const root = await mkdtemp(join(tmpdir(), 'clearance-blobs-'));
      return {
        blobs: new FileBlobStore(root),
        corrupt: async (digest, bytes) => {
          const hex = digest.slice('sha256:'.length);
          await writeFile(join(root, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex), bytes);
        },
        close: () => rm(root, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'memory fake',
    open: async () => {
      const blobs = createMemoryBlobStore();
      return { blobs, corrupt: async (d, b) => blobs.tamper(d, b), close: async () => {} };
    },
  },
];

/** The BlobStore port's contract: the fake the use-case tests run on behaves as the real one. */
for (const { name, open } of implementations) {
  describe(`blob store contract [${name}]`, () => {
    let opened: OpenBlobStore | undefined;
    afterEach(() => opened?.close());
    const start = async () => {
      opened = await open();
      return opened;
    };

    const text = '{"auc":0.81}';
    const bytes = new TextEncoder().encode(text);
    const digest = digestOf(text);

    it('stores bytes under their SHA-256 digest and reads them back', async () => {
      const { blobs } = await start();
      expect(await blobs.put(bytes)).toStrictEqual({ digest, size: bytes.length });
      expect(await blobs.has(digest)).toBe(true);
      expect(new TextDecoder().decode(await blobs.get(digest))).toBe(text);
    });

    it('is idempotent', async () => {
      const { blobs } = await start();
      await blobs.put(bytes);
      expect(await blobs.put(bytes)).toStrictEqual({ digest, size: bytes.length });
      expect(new TextDecoder().decode(await blobs.get(digest))).toBe(text);
    });

    it('refuses on read a blob whose bytes no longer match its digest', async () => {
      const { blobs, corrupt } = await start();
      await blobs.put(bytes);
      await corrupt(digest, new TextEncoder().encode('{"auc":0.99}'));
      const error = await blobs.get(digest).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClearanceError);
      expect((error as ClearanceError).code).toBe('invalid_evidence');
      expect((error as ClearanceError).message).toContain(`Blob ${digest} is corrupted`);
      expect((error as ClearanceError).message).toContain(digestOf('{"auc":0.99}'));
    });

    it('reports a missing blob as not_found and a malformed digest as invalid_input', async () => {
      const { blobs } = await start();
      expect(await blobs.has(digest)).toBe(false);
      const missing = await blobs.get(digest).catch((e: unknown) => e);
      expect((missing as ClearanceError).code).toBe('not_found');
      for (const bad of [
        'sha256:../../etc/passwd',
        `sha256:${digest.slice(7).toUpperCase()}`,
        'md5:abc',
      ]) {
        expect(((await blobs.get(bad).catch((e: unknown) => e)) as ClearanceError).code).toBe(
          'invalid_input',
        );
        expect(((await blobs.has(bad).catch((e: unknown) => e)) as ClearanceError).code).toBe(
          'invalid_input',
        );
      }
    });
  });
}
