import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  blobFilePath,
  readBlobFile,
  runBlobFileRequest,
  storeBlobFile,
} from '../../src/evidence/blob-file-ops.js';

/** The I/O thread's calls, run here directly (ADR 047): same layout and checks as FileBlobStore. */
describe('blob file operations', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'clearance-blob-ops-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const bytes = new TextEncoder().encode('{"auc":0.81}');
  const hex = createHash('sha256').update(bytes).digest('hex');

  it('stores owner-only under sha256/ab/cd/<hex>, idempotently, leaving no temporary file', () => {
    const made = new Set<string>();
    expect(storeBlobFile(root, bytes, made)).toStrictEqual({ hex, size: bytes.length });
    expect(storeBlobFile(root, bytes, made)).toStrictEqual({ hex, size: bytes.length });
    const path = blobFilePath(root, hex);
    expect(path).toBe(join(root, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex));
    expect(readdirSync(dirname(path))).toStrictEqual([hex]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
    expect(made).toStrictEqual(new Set([dirname(path)]));
  });

  it('makes a remembered folder again when it was removed behind its back', () => {
    const made = new Set<string>();
    storeBlobFile(root, bytes, made);
    rmSync(join(root, 'sha256'), { recursive: true });
    expect(storeBlobFile(root, bytes, made).hex).toBe(hex);
    expect(readBlobFile(blobFilePath(root, hex), hex, 1024)).toStrictEqual({
      kind: 'read',
      bytes: new Uint8Array(bytes),
    });
  });

  it('reads back into a buffer of its own; refuses a tampered, missing or too large blob', () => {
    storeBlobFile(root, bytes, new Set());
    const path = blobFilePath(root, hex);
    const read = readBlobFile(path, hex, bytes.length);
    expect(read.kind).toBe('read');
    if (read.kind !== 'read') return;
    expect(new TextDecoder().decode(read.bytes)).toBe('{"auc":0.81}');
    // Handed to another thread without a copy: the view is the whole of its buffer.
    expect(read.bytes.byteLength).toBe(read.bytes.buffer.byteLength);
    expect(readBlobFile(path, hex, bytes.length - 1)).toStrictEqual({ kind: 'too-large' });
    writeFileSync(path, 'tampered');
    const actualHex = createHash('sha256').update('tampered').digest('hex');
    expect(readBlobFile(path, hex, 1024)).toStrictEqual({ kind: 'corrupted', actualHex });
    rmSync(path);
    const missing = readBlobFile(path, hex, 1024);
    expect(missing.kind).toBe('missing');
    if (missing.kind !== 'missing') return;
    expect(missing.error).toMatchObject({ code: 'ENOENT', syscall: 'open', path });
  });

  it('answers a failing system call as failed, with its code, and leaves nothing behind', () => {
    const notADirectory = join(root, 'file');
    writeFileSync(notADirectory, 'x');
    const result = runBlobFileRequest({ kind: 'put', root: notADirectory, bytes }, new Set());
    expect(result.kind).toBe('failed');
    if (result.kind !== 'failed') return;
    expect(result.error.code).toBe('ENOTDIR');
    expect(result.error.syscall).toBe('stat');
    expect(readdirSync(root)).toStrictEqual(['file']);
  });
});
