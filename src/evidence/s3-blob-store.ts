/**
 * Content-addressed blobs in an S3-compatible bucket, at `<prefix>sha256/ab/cd/<hex>`, so several
 * servers on one PostgreSQL share them without a shared file system. Implements the `BlobStore`
 * port structurally (evidence/ may not import app/), held to the same contract as
 * FileBlobStore (test/store/blob-store-contract.test.ts). Reads are streamed and checked against
 * the digest: a tampered object is refused, never served.
 */
import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { ClearanceError } from '../domain/index.js';
import {
  parseBlobDigest,
  readVerified,
  sha256Hex,
  verifiedChunks,
  writeVerifiedFile,
} from './blob-digest.js';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Prepended to every key (e.g. `clearance/`); empty for the bucket's root. */
  prefix: string;
  /** The service's URL for an S3-compatible server (MinIO, Ceph, …); empty = AWS for `region`. */
  endpoint: string;
  region: string;
  /** Empty = the SDK's default chain (environment, shared files, instance role). */
  accessKeyId: string;
  secretAccessKey: string;
  /** `bucket` in the path rather than the host name (most self-hosted servers want it). */
  forcePathStyle: boolean;
}

const withdrawnFolder = 'withdrawn/';

export class S3BlobStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  /** Where the bucket is, for messages: the endpoint, or AWS S3 and the region. */
  readonly #where: string;

  constructor(options: S3BlobStoreOptions) {
    this.#bucket = options.bucket;
    this.#prefix = options.prefix;
    this.#where = options.endpoint || `AWS S3 in ${options.region}`;
    this.#client = new S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      // The SDK's default extra CRC checksums are refused by several S3-compatible servers; every
      // read here checks the SHA-256 the blob is addressed by, which is the integrity that counts.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.accessKeyId
        ? {
            credentials: {
              accessKeyId: options.accessKeyId,
              secretAccessKey: options.secretAccessKey,
            },
          }
        : {}),
    });
  }

  /**
   * Checks at start that the bucket is there and these credentials reach it; otherwise one
   * clear error naming the bucket and the keys to fix.
   */
  async check(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket }));
    } catch (cause) {
      const status = statusOf(cause);
      const reason =
        status === 404
          ? 'does not exist'
          : status === 403 || status === 401
            ? 'refuses these credentials'
            : `cannot be reached (${cause instanceof Error ? cause.message : String(cause)})`;
      throw new ClearanceError('invalid_input', `The S3 bucket "${this.#bucket}" ${reason}.`, {
        cause,
        problems: [
          {
            message: `Bucket "${this.#bucket}" at ${this.#where}.`,
            fix: 'Check s3Bucket, s3Endpoint, s3Region, s3ForcePathStyle and the credentials (docs/operations.md, Shared blob storage); create the bucket first.',
          },
        ],
      });
    }
  }

  /** Idempotent: bytes already stored are not sent again. */
  async put(bytes: Uint8Array): Promise<{ digest: string; size: number }> {
    const hex = sha256Hex(bytes);
    const digest = `sha256:${hex}`;
    const key = this.#key(hex);
    if (!(await this.#exists(key))) {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: 'application/octet-stream',
        }),
      );
    }
    return { digest, size: bytes.byteLength };
  }

  /** The bytes, read into one buffer of the object's size and checked against `digest`. */
  async get(digest: string): Promise<Uint8Array> {
    const { body, size } = await this.#open(digest);
    return readVerified({ source: body, digest, size });
  }

  async writeTo(digest: string, path: string): Promise<void> {
    const { body } = await this.#open(digest);
    await writeVerifiedFile({ source: body, digest, path });
  }

  /** The object's body as it arrives; an early return destroys it (and frees the connection). */
  async stream(digest: string): Promise<{ size: number; chunks: AsyncIterable<Uint8Array> }> {
    const { body, size } = await this.#open(digest);
    return { size, chunks: verifiedChunks({ source: body, digest, size }) };
  }

  async has(digest: string): Promise<boolean> {
    return this.#exists(this.#key(parseBlobDigest(digest)));
  }

  async *list(): AsyncIterable<{ digest: string; size: number }> {
    for await (const { key, size } of this.#objects(`${this.#prefix}sha256/`)) {
      const hex = key.slice(-64);
      if (hexName.test(hex) && key === this.#key(hex)) yield { digest: `sha256:${hex}`, size };
    }
  }

  /**
   * Copied aside under `<prefix>withdrawn/`, then deleted: a `put` meanwhile finds no object and
   * stores it anew. (Not one atomic step as a rename is; blob collection re-checks the upload
   * ledger after withdrawing, which the upload records before it stores.)
   */
  async withdraw(
    digest: string,
  ): Promise<{ size: number; restore(): Promise<void>; discard(): Promise<void> } | undefined> {
    const hex = parseBlobDigest(digest);
    const key = this.#key(hex);
    const aside = this.#asideKey(hex);
    const size = await this.#sizeOf(key);
    if (size === undefined) return undefined;
    try {
      await this.#copy(key, aside);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    await this.#delete(key);
    return {
      size,
      restore: () => this.#putBack(aside, key),
      discard: () => this.#delete(aside),
    };
  }

  async restoreWithdrawn(): Promise<number> {
    let count = 0;
    for await (const { key } of this.#objects(`${this.#prefix}${withdrawnFolder}sha256/`)) {
      const hex = key.slice(-64);
      if (!hexName.test(hex) || key !== this.#asideKey(hex)) continue;
      await this.#putBack(key, this.#key(hex));
      count += 1;
    }
    return count;
  }

  /** A PutObject stores all of the object or none of it: nothing partial is ever left. */
  async removeAbandonedWrites(): Promise<{ files: number; bytes: number }> {
    return { files: 0, bytes: 0 };
  }

  /** Releases the client's connections. */
  close(): void {
    this.#client.destroy();
  }

  async #open(digest: string): Promise<{ body: Readable; size: number }> {
    const hex = parseBlobDigest(digest);
    try {
      const object = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#key(hex) }),
      );
      // In Node the SDK's body is an http.IncomingMessage, a Readable.
      const body = object.Body as Readable | undefined;
      if (body === undefined || object.ContentLength === undefined) {
        throw new Error(`the S3 server sent no body or length for ${digest}`);
      }
      return { body, size: object.ContentLength };
    } catch (error) {
      if (statusOf(error) === 404) {
        throw new ClearanceError('not_found', `Blob ${digest} is not in the blob store`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  /** A blob stored again while it was withdrawn is the same bytes: keep it, drop the copy. */
  async #putBack(aside: string, key: string): Promise<void> {
    if (!(await this.#exists(key))) {
      try {
        await this.#copy(aside, key);
      } catch (error) {
        if (statusOf(error) === 404) return;
        throw error;
      }
    }
    await this.#delete(aside);
  }

  async *#objects(prefix: string): AsyncIterable<{ key: string; size: number }> {
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) yield { key: object.Key, size: object.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async #exists(key: string): Promise<boolean> {
    return (await this.#sizeOf(key)) !== undefined;
  }

  async #sizeOf(key: string): Promise<number | undefined> {
    try {
      const head = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: key }),
      );
      return head.ContentLength ?? 0;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async #copy(from: string, to: string): Promise<void> {
    await this.#client.send(
      new CopyObjectCommand({
        Bucket: this.#bucket,
        Key: to,
        CopySource: `${this.#bucket}/${from.split('/').map(encodeURIComponent).join('/')}`,
      }),
    );
  }

  async #delete(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
  }

  #key(hex: string): string {
    return `${this.#prefix}sha256/${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}`;
  }

  #asideKey(hex: string): string {
    return `${this.#prefix}${withdrawnFolder}sha256/${hex}`;
  }
}

const hexName = /^[0-9a-f]{64}$/;

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}
