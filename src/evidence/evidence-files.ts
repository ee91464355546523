/**
 * Where the evidence readers get their bytes: a directory on disk (`clearance check`, the
 * fixtures), or files held in memory (a version's stored evidence, read out of the blob store
 * for a gate run without being unpacked to a temporary directory). Readers name a file by the
 * path they are given, in messages as well: on disk the directory joined with the relative path,
 * in memory the recorded relative path itself.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ClearanceError, ignoredEvidenceFolders } from '../domain/index.js';

/** An open file read at positions, as `FileHandle.read` does. */
export interface EvidenceFileReader {
  readonly size: number;
  /** Reads up to `length` bytes at `position` into `buffer` from `offset`; 0 at the end. */
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

export interface EvidenceFiles {
  /** Every file under `root`, relative, forward slashes, sorted; non-evidence folders skipped. */
  list(root: string): Promise<string[]>;
  size(file: string): Promise<number>;
  readText(file: string): Promise<string>;
  open(file: string): Promise<EvidenceFileReader>;
  /** The file in chunks of at most `chunkBytes`, in order. */
  chunks(file: string, chunkBytes: number): AsyncIterable<Uint8Array>;
}

/** Version-control and dependency folders are not evidence (uploads refuse paths inside them). */
const skipped = new Set(ignoredEvidenceFolders);
const isEvidencePath = (path: string) => !path.split('/').some((part) => skipped.has(part));

/** Files on disk, named by their paths. */
export const diskEvidenceFiles: EvidenceFiles = {
  async list(root) {
    const info = await stat(root).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new ClearanceError(
        'invalid_input',
        `Evidence directory ${root} does not exist or is not a directory. Pass the folder holding predictions, metrics, SBOM and documents.`,
      );
    }
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
      .filter(isEvidencePath)
      .sort();
  },
  size: async (file) => (await stat(file)).size,
  readText: (file) => readFile(file, 'utf8'),
  async open(file) {
    const handle = await open(file, 'r');
    const { size } = await handle.stat().catch(async (error: unknown) => {
      await handle.close();
      throw error;
    });
    return {
      size,
      read: async (buffer, offset, length, position) =>
        (await handle.read(buffer, offset, length, position)).bytesRead,
      close: () => handle.close(),
    };
  },
  chunks: (file, chunkBytes) => createReadStream(file, { highWaterMark: chunkBytes }),
};

/** The same bytes as a Buffer (no copy): readers use Buffer's text and search methods. */
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

/**
 * Files held in memory under their relative paths (the root is `.`, so a reader joining it with
 * a path names the path itself). A missing path fails as a missing file does (`ENOENT`).
 */
export function memoryEvidenceFiles(files: ReadonlyMap<string, Uint8Array>): EvidenceFiles {
  const bytesOf = (file: string): Uint8Array => {
    const bytes = files.get(file);
    if (bytes !== undefined) return bytes;
    const error: NodeJS.ErrnoException = new Error(`ENOENT: no such file, open '${file}'`);
    error.code = 'ENOENT';
    throw error;
  };
  return {
    list: async () => [...files.keys()].filter(isEvidencePath).sort(),
    size: async (file) => bytesOf(file).length,
    readText: async (file) => asBuffer(bytesOf(file)).toString('utf8'),
    async open(file) {
      const bytes = bytesOf(file);
      return {
        size: bytes.length,
        async read(buffer, offset, length, position) {
          const part = bytes.subarray(position, Math.min(bytes.length, position + length));
          buffer.set(part, offset);
          return part.length;
        },
        close: async () => {},
      };
    },
    async *chunks(file, chunkBytes) {
      const bytes = bytesOf(file);
      for (let at = 0; at < bytes.length; at += chunkBytes) {
        yield asBuffer(bytes.subarray(at, at + chunkBytes));
      }
    },
  };
}
