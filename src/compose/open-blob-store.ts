import { join, resolve } from 'node:path';
import type { BlobStore } from '../app/index.js';
import type { Config } from '../config.js';
import { FileBlobStore } from '../evidence/file-blob-store.js';

/**
 * The blob store the configuration names: the data directory's `blobs/`, or an S3-compatible
 * bucket, checked at once (a bucket it cannot reach stops the start with one clear error). The
 * S3 client is loaded only when it is used. `close` releases its connections.
 */
export async function openBlobStore(config: Config): Promise<{ blobs: BlobStore; close(): void }> {
  if (config.blobStore === 'file') {
    return { blobs: new FileBlobStore(join(resolve(config.dataDir), 'blobs')), close() {} };
  }
  const { S3BlobStore } = await import('../evidence/s3-blob-store.js');
  const blobs = new S3BlobStore({
    bucket: config.s3Bucket,
    prefix: config.s3Prefix,
    endpoint: config.s3Endpoint,
    region: config.s3Region,
    accessKeyId: config.s3AccessKeyId,
    secretAccessKey: config.s3SecretAccessKey,
    forcePathStyle: config.s3ForcePathStyle,
  });
  try {
    await blobs.check();
  } catch (error) {
    blobs.close();
    throw error;
  }
  return { blobs, close: () => blobs.close() };
}
