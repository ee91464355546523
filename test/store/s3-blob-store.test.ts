/** What the S3 blob store does beyond the shared contract: its start check, and its prefix. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClearanceError } from '../../src/domain/index.js';
import { S3BlobStore } from '../../src/evidence/s3-blob-store.js';
import { digestOf } from './fixtures.js';
import { type LocalS3, startLocalS3 } from './s3-server.js';

describe('S3BlobStore', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startLocalS3();
  });
  afterAll(() => s3.close());

  it('checks at start that the bucket exists and the credentials reach it', async () => {
    const bucket = await s3.bucket();
    const good = new S3BlobStore(s3.options(bucket));
    await good.check();
    good.close();

    const missing = new S3BlobStore(s3.options('no-such-bucket-here'));
    const error = (await missing.check().catch((e: unknown) => e)) as ClearanceError;
    missing.close();
    expect(error).toBeInstanceOf(ClearanceError);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toBe('The S3 bucket "no-such-bucket-here" does not exist.');
    expect(error.problems[0]?.fix).toContain('s3Bucket');

    const stranger = new S3BlobStore({
      ...s3.options(bucket),
      accessKeyId: 'SOMEONE',
      secretAccessKey: 'ELSE',
    });
    const refused = (await stranger.check().catch((e: unknown) => e)) as ClearanceError;
    stranger.close();
    expect(refused.message).toBe(`The S3 bucket "${bucket}" refuses these credentials.`);
  });

  it('keeps to its prefix: another prefix and stray objects are neither listed nor served', async () => {
    const bucket = await s3.bucket();
    const a = new S3BlobStore(s3.options(bucket, 'team-a/'));
    const b = new S3BlobStore(s3.options(bucket, 'team-b/'));
    const stored = await a.put(new TextEncoder().encode('only in a'));
    await s3.putRaw(bucket, 'team-a/sha256/notes.txt', new TextEncoder().encode('stray'));
    await s3.putRaw(bucket, `team-a/${digestOf('x').slice(7)}`, new TextEncoder().encode('x'));
    const listed = async (store: S3BlobStore) => {
      const all: string[] = [];
      for await (const blob of store.list()) all.push(blob.digest);
      return all;
    };
    expect(await listed(a)).toStrictEqual([stored.digest]);
    expect(await listed(b)).toStrictEqual([]);
    expect(await b.has(stored.digest)).toBe(false);
    a.close();
    b.close();
  });
});
