import { z } from 'zod';
import { configSection } from './config-section.js';

/** Evidence blobs (file or S3) and their collection; SQLite durability; the store's write wait. */
export const storageConfig = configSection({
  schema: {
    blobGcIntervalSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .describe(
        'How often the deletion of blobs no evidence references runs, as the recurring job `blobs.collect` (once per period across all servers; 0 = only `clearance blobs gc`).',
      ),
    blobGcGraceSeconds: z.coerce
      .number()
      .int()
      .min(60)
      .describe(
        'Blob collection keeps any blob uploaded within this many seconds, so an attach in flight never loses its bytes; keep it above the longest upload.',
      ),
    blobStore: z
      .enum(['file', 's3'])
      .describe(
        'Where evidence blobs live: `file` (`<dataDir>/blobs`, one server or a shared file system) or `s3` (an S3-compatible bucket, for several servers on one PostgreSQL; set the `s3*` keys). Every read checks a blob against its digest in either.',
      ),
    s3Bucket: z
      .string()
      .describe(
        'Bucket of the `s3` blob store (required with it). It must exist: each server checks at start that it can reach it.',
      ),
    s3Prefix: z
      .string()
      .regex(/^([^/].*\/)?$/, 'must be empty or end with "/" (and not start with one)')
      .describe(
        'Prepended to every object key of the `s3` blob store, e.g. `clearance/` (empty = the bucket’s root); blobs are at `<prefix>sha256/ab/cd/<hex>`.',
      ),
    s3Endpoint: z
      .union([z.literal(''), z.url({ protocol: /^https?$/ })])
      .describe(
        'URL of an S3-compatible server (MinIO, Ceph, Garage, …) for the `s3` blob store; empty = AWS S3 in `s3Region`.',
      ),
    s3Region: z.string().min(1).describe('Region of the `s3` blob store’s bucket.'),
    s3AccessKeyId: z
      .string()
      .describe(
        'Access key of the `s3` blob store, with `s3SecretAccessKey` (prefer the environment to a file); empty = the AWS SDK’s default chain (`AWS_ACCESS_KEY_ID`…, shared files, instance role).',
      ),
    s3SecretAccessKey: z.string().describe('Secret of `s3AccessKeyId`.'),
    s3ForcePathStyle: z
      .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
      .describe(
        'Address the bucket in the path (`https://host/bucket/key`) rather than the host name; most self-hosted S3-compatible servers need `true`.',
      ),
    sqliteSynchronous: z
      .enum(['full', 'normal'])
      .describe(
        'SQLite durability: `full` fsyncs every commit; `normal` may lose the last commits on power loss.',
      ),
    writeWaitLimitSeconds: z.coerce
      .number()
      .int()
      .min(1)
      .max(3600)
      .describe(
        "How long a write waits for its turn in this server's write queue before it fails `busy` (HTTP 503 with `Retry-After`), nothing written; far past a request's patience, far under a hang. A write started inside another write (a bug) holds the store this long.",
      ),
  },
  defaults: {
    blobGcIntervalSeconds: 3600,
    blobGcGraceSeconds: 3600,
    blobStore: 'file',
    s3Bucket: '',
    s3Prefix: '',
    s3Endpoint: '',
    s3Region: 'us-east-1',
    s3AccessKeyId: '',
    s3SecretAccessKey: '',
    s3ForcePathStyle: false,
    sqliteSynchronous: 'full',
    writeWaitLimitSeconds: 30,
  },
  environment: {
    blobGcIntervalSeconds: ['CLEARANCE_BLOB_GC_INTERVAL_SECONDS'],
    blobGcGraceSeconds: ['CLEARANCE_BLOB_GC_GRACE_SECONDS'],
    blobStore: ['CLEARANCE_BLOB_STORE'],
    s3Bucket: ['CLEARANCE_S3_BUCKET'],
    s3Prefix: ['CLEARANCE_S3_PREFIX'],
    s3Endpoint: ['CLEARANCE_S3_ENDPOINT'],
    s3Region: ['CLEARANCE_S3_REGION'],
    s3AccessKeyId: ['CLEARANCE_S3_ACCESS_KEY_ID'],
    s3SecretAccessKey: ['CLEARANCE_S3_SECRET_ACCESS_KEY'],
    s3ForcePathStyle: ['CLEARANCE_S3_FORCE_PATH_STYLE'],
    sqliteSynchronous: ['CLEARANCE_SQLITE_SYNCHRONOUS'],
    writeWaitLimitSeconds: ['CLEARANCE_WRITE_WAIT_LIMIT_SECONDS'],
  },
});
