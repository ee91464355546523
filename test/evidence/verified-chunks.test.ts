/**
 * `verifiedChunks`, under every blob store's `stream`: closing its iteration releases the source
 * (the file handle or the S3 connection) whether or not a chunk was read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { verifiedChunks } from '../../src/evidence/blob-digest.js';

const bytes = randomBytes(256 * 1024);
const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const sourceOf = () => Readable.from([bytes.subarray(0, 1024), bytes.subarray(1024)]);

describe('verifiedChunks', () => {
  it('closes its source when closed before the first chunk was read', async () => {
    const source = sourceOf();
    const chunks = verifiedChunks({ source, digest, size: bytes.length });
    await chunks[Symbol.asyncIterator]().return?.();
    expect(source.destroyed).toBe(true);
  });

  it('closes its source when left after a chunk', async () => {
    const source = sourceOf();
    for await (const _ of verifiedChunks({ source, digest, size: bytes.length })) break;
    expect(source.destroyed).toBe(true);
  });
});
