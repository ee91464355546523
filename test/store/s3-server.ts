/**
 * A real S3-compatible server for the tests (s3rver, on loopback, storing in a temporary
 * directory), with a bucket of its own per call; and how to reach it as a client.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { S3BlobStoreOptions } from '../../src/evidence/s3-blob-store.js';

export interface LocalS3 {
  endpoint: string;
  /** A new empty bucket, named uniquely. */
  bucket(): Promise<string>;
  /** Every key in the bucket. */
  keys(bucket: string): Promise<string[]>;
  /** Writes an object behind the blob store's back (a tampered or stray object). */
  putRaw(bucket: string, key: string, bytes: Uint8Array): Promise<void>;
  options(bucket: string, prefix?: string): S3BlobStoreOptions;
  close(): Promise<void>;
}

/** s3rver's fixed credentials; any other pair is refused. */
const localS3Credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export async function startLocalS3(): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), 'clearance-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: localS3Credentials,
  });
  return {
    endpoint,
    async bucket() {
      const name = `clearance-${randomBytes(6).toString('hex')}`;
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    async keys(bucket) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
    },
    async putRaw(bucket, key, bytes) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
    },
    options: (bucket, prefix = 'clearance/') => ({
      bucket,
      prefix,
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      ...localS3Credentials,
    }),
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
