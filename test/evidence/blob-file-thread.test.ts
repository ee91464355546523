import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobFileThread } from '../../src/evidence/blob-file-thread.js';
import { FileBlobStore } from '../../src/evidence/file-blob-store.js';

/**
 * The I/O thread is a speed-up, never a dependency (ADR 047): whatever becomes of it, a write or a
 * read is done from the event loop's thread instead. Real threads stand in for a thread that never
 * answers and one that fails as it starts.
 */
describe('the file blob store without its I/O thread', () => {
  let root: string;
  const workers: Worker[] = [];
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'clearance-blob-thread-'));
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.terminate()));
    rmSync(root, { recursive: true, force: true });
  });

  const text = (s: string) => new TextEncoder().encode(s);
  const digestOf = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
  const fileOf = (digest: string) => {
    const hex = digest.slice('sha256:'.length);
    return join(root, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
  };
  /** A real worker thread running `code` (CommonJS, eval'd). */
  const worker = (code: string) => {
    const started = new Worker(code, { eval: true });
    workers.push(started);
    return started;
  };

  it('stores and reads from here while a batch goes unanswered, and settles that batch once the thread is gone', async () => {
    const stuck = worker('setInterval(() => {}, 1000);');
    const thread = new BlobFileThread({ start: () => stuck, stallMs: 50 });
    const blobs = new FileBlobStore(root, { ioThread: thread });
    const first = blobs.put(text('first'));
    let firstDone = false;
    void first.then(() => {
      firstDone = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(firstDone).toBe(false);
    // Past the stall: new requests do not queue behind it.
    expect(await blobs.put(text('second'))).toStrictEqual({ digest: digestOf('second'), size: 6 });
    expect(new TextDecoder().decode(await blobs.get(digestOf('second')))).toBe('second');
    // The thread stops: what it held is done from here, not lost or failed.
    await stuck.terminate();
    expect(await first).toStrictEqual({ digest: digestOf('first'), size: 5 });
    expect(readFileSync(fileOf(digestOf('first')), 'utf8')).toBe('first');
  });

  it('falls back when the thread fails as it starts, and does not start it again at once', async () => {
    let starts = 0;
    const thread = new BlobFileThread({
      start: () => {
        starts += 1;
        return worker("throw new Error('no thread today');");
      },
      restartAfterMs: 60_000,
    });
    const blobs = new FileBlobStore(root, { ioThread: thread });
    expect(await blobs.put(text('a'))).toStrictEqual({ digest: digestOf('a'), size: 1 });
    expect(await blobs.put(text('b'))).toStrictEqual({ digest: digestOf('b'), size: 1 });
    expect(new TextDecoder().decode(await blobs.get(digestOf('a')))).toBe('a');
    expect(starts).toBe(1);
    expect(thread.handedBack).toBe(3);
    const cannot = new BlobFileThread({
      start: () => {
        throw new Error('EMFILE');
      },
    });
    const store = new FileBlobStore(root, { ioThread: cannot });
    expect(await store.put(text('c'))).toStrictEqual({ digest: digestOf('c'), size: 1 });
  });

  it('stores the other requests of a batch one of which cannot be sent to the thread', async () => {
    const blobs = new FileBlobStore(root, { ioThread: new BlobFileThread() });
    const gone = new Uint8Array(8);
    structuredClone(gone.buffer, { transfer: [gone.buffer] });
    const [, innocent] = await Promise.allSettled([blobs.put(gone), blobs.put(text('innocent'))]);
    expect(innocent).toStrictEqual({
      status: 'fulfilled',
      value: { digest: digestOf('innocent'), size: 8 },
    });
  });

  it('refuses a FIFO at a blob path at once instead of waiting on it, and goes on serving', async () => {
    const blobs = new FileBlobStore(root, { ioThread: new BlobFileThread({ stallMs: 60_000 }) });
    const digest = digestOf('pipe');
    mkdirSync(join(fileOf(digest), '..'), { recursive: true });
    execFileSync('mkfifo', [fileOf(digest)]);
    const error = await blobs.get(digest).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('EINVAL');
    expect(await blobs.put(text('after'))).toStrictEqual({ digest: digestOf('after'), size: 5 });
  });

  it('starts from any working directory (tsx resolved by the parent) and serves without handing back', async () => {
    const thread = new BlobFileThread();
    const blobs = new FileBlobStore(root, { ioThread: thread });
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      expect(await blobs.put(text('anywhere'))).toStrictEqual({
        digest: digestOf('anywhere'),
        size: 8,
      });
    } finally {
      process.chdir(cwd);
    }
    expect(new TextDecoder().decode(await blobs.get(digestOf('anywhere')))).toBe('anywhere');
    expect(thread.handedBack).toBe(0);
  });
});
