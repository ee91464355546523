import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClearanceError } from '../../src/domain/index.js';
import { createMemoryBlobStore } from '../fakes/memory-blob-store.js';
import {
  durableBlobStores,
  type NamedBlobStore,
  type OpenBlobStore,
} from './durable-blob-stores.js';
import { digestOf } from './fixtures.js';
import { type LocalS3, startLocalS3 } from './s3-server.js';

let s3: LocalS3 | undefined;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(() => s3?.close());

const implementations: NamedBlobStore[] = [
  ...durableBlobStores(() => s3, 'team-a/'),
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

    it('streams a blob into a new file, refusing an existing file and a tampered blob', async () => {
      const { blobs, corrupt } = await start();
      const dir = await mkdtemp(join(tmpdir(), 'clearance-blob-out-'));
      try {
        // Several MiB: bigger than any single read or network chunk.
        const big = randomBytes(5 * 1024 * 1024 + 17);
        const stored = await blobs.put(big);
        const out = join(dir, 'big.bin');
        await blobs.writeTo(stored.digest, out);
        expect((await readFile(out)).equals(big)).toBe(true);
        const again = await blobs.writeTo(stored.digest, out).catch((e: unknown) => e);
        expect((again as NodeJS.ErrnoException).code).toBe('EEXIST');
        expect((await readFile(out)).equals(big)).toBe(true);

        const missing = await blobs.writeTo(digest, join(dir, 'missing')).catch((e: unknown) => e);
        expect((missing as ClearanceError).code).toBe('not_found');

        await blobs.put(bytes);
        await corrupt(digest, new TextEncoder().encode('{"auc":0.99}'));
        const target = join(dir, 'metrics.json');
        const refused = await blobs.writeTo(digest, target).catch((e: unknown) => e);
        expect((refused as ClearanceError).code).toBe('invalid_evidence');
        expect((refused as ClearanceError).message).toContain(`Blob ${digest} is corrupted`);
        // Nothing of the tampered bytes is left for a reader.
        expect(await stat(target).catch((e: NodeJS.ErrnoException) => e.code)).toBe('ENOENT');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('streams a blob chunk by chunk, failing a tampered one before its last chunk', async () => {
      const { blobs, corrupt } = await start();
      const big = randomBytes(5 * 1024 * 1024 + 17);
      const stored = await blobs.put(big);
      const read = await blobs.stream(stored.digest);
      expect(read.size).toBe(big.length);
      const chunks: Uint8Array[] = [];
      for await (const chunk of read.chunks) chunks.push(chunk);
      expect(chunks.length).toBeGreaterThan(1);
      expect(Buffer.concat(chunks).equals(big)).toBe(true);

      // Stopping early is allowed (the file or connection is released), and reading again works.
      for await (const _ of (await blobs.stream(stored.digest)).chunks) break;
      expect((await blobs.stream(stored.digest)).size).toBe(big.length);

      const missing = await blobs.stream(digest).catch((e: unknown) => e);
      expect((missing as ClearanceError).code).toBe('not_found');
      const bad = await blobs.stream('sha256:../../etc/passwd').catch((e: unknown) => e);
      expect((bad as ClearanceError).code).toBe('invalid_input');

      // Same length, last byte changed: only the hash tells.
      const tampered = Buffer.from(big);
      tampered.writeUInt8(tampered.readUInt8(big.length - 1) ^ 0xff, big.length - 1);
      await corrupt(stored.digest, tampered);
      const got: Uint8Array[] = [];
      const refused = await (async () => {
        for await (const chunk of (await blobs.stream(stored.digest)).chunks) got.push(chunk);
      })().catch((e: unknown) => e);
      expect((refused as ClearanceError).code).toBe('invalid_evidence');
      expect((refused as ClearanceError).message).toContain(`Blob ${stored.digest} is corrupted`);
      // Never the whole of it: the last chunk is held back until the hash is checked.
      expect(Buffer.concat(got).length).toBeLessThan(big.length);
    });

    it('lists what it holds; a withdrawn blob is out of reach until restored', async () => {
      const { blobs } = await start();
      const other = new TextEncoder().encode('# card');
      await blobs.put(bytes);
      await blobs.put(other);
      const listed = async () => {
        const all: { digest: string; size: number }[] = [];
        for await (const blob of blobs.list()) all.push(blob);
        return all.sort((a, b) => a.digest.localeCompare(b.digest));
      };
      const both = [
        { digest, size: bytes.length },
        { digest: digestOf('# card'), size: other.length },
      ].sort((a, b) => a.digest.localeCompare(b.digest));
      expect(await listed()).toStrictEqual(both);

      const taken = await blobs.withdraw(digest);
      expect(taken?.size).toBe(bytes.length);
      expect(await blobs.has(digest)).toBe(false);
      expect(await blobs.withdraw(digest)).toBeUndefined();
      expect(await listed()).toStrictEqual([{ digest: digestOf('# card'), size: other.length }]);
      await taken?.restore();
      expect(new TextDecoder().decode(await blobs.get(digest))).toBe(text);
      expect(await listed()).toStrictEqual(both);

      const gone = await blobs.withdraw(digest);
      await gone?.discard();
      expect(await blobs.has(digest)).toBe(false);
      expect(await blobs.restoreWithdrawn()).toBe(0);
      expect(await listed()).toStrictEqual([{ digest: digestOf('# card'), size: other.length }]);
    });

    it('keeps a blob stored again while withdrawn, and puts back what a stopped collector left', async () => {
      const { blobs } = await start();
      const taken = await blobs.withdraw((await blobs.put(bytes)).digest);
      await blobs.put(bytes);
      expect(await blobs.has(digest)).toBe(true);
      await taken?.restore();
      expect(new TextDecoder().decode(await blobs.get(digest))).toBe(text);

      // A collector that stopped between withdrawing and settling.
      expect(await blobs.withdraw(digest)).toBeDefined();
      expect(await blobs.has(digest)).toBe(false);
      expect(await blobs.restoreWithdrawn()).toBe(1);
      expect(new TextDecoder().decode(await blobs.get(digest))).toBe(text);
      expect(await blobs.restoreWithdrawn()).toBe(0);
    });
  });
}
