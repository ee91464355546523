/**
 * The tar layer of the evidence pack download, on `tar-stream`: regular files and directories
 * only. tar-stream writes ustar headers and falls back to pax extended headers for paths that do
 * not fit, as GNU tar, bsdtar and Python's tarfile read them. The reader takes the same subset
 * and refuses links, devices and anything else, since an archive from a server is untrusted input.
 */
import { Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';

export interface TarEntry {
  /** Relative, forward slashes; directories without a trailing slash. */
  path: string;
  type: 'file' | 'directory';
  /** File content; empty for directories. */
  bytes: Uint8Array;
}

/** Thrown on anything the reader does not accept; callers turn it into their own error. */
class TarFormatError extends Error {
  override name = 'TarFormatError';
}

/** A Buffer over the same memory: the tar stream holds the pack's files, not copies of them. */
const view = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The tar of `entries` as a Node stream, every entry stamped with `mtime` (seconds) so the same
 * pack always gives the same bytes. Entries are queued at once: their bytes are already in memory
 * and tar-stream pushes them by reference, so the stream adds headers and padding, not a copy.
 */
export function tarStream(entries: readonly TarEntry[], mtime: number): Readable {
  const tar = pack();
  const date = new Date(mtime * 1000);
  for (const entry of entries) {
    // Directory names end in a slash, as GNU tar and bsdtar write them.
    if (entry.type === 'directory')
      tar.entry({ name: `${entry.path}/`, type: 'directory', mode: 0o755, mtime: date });
    else tar.entry({ name: entry.path, type: 'file', mode: 0o644, mtime: date }, view(entry.bytes));
  }
  tar.finalize();
  // streamx streams are async iterable; Readable.from makes a Node stream that pipeline accepts.
  return Readable.from(tar);
}

/** The whole tar in one buffer. */
export async function tarBytes(entries: readonly TarEntry[], mtime: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of tarStream(entries, mtime)) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/** Every entry of an uncompressed tar, in order; throws an Error on anything malformed or refused. */
export async function readTar(archive: Uint8Array): Promise<TarEntry[]> {
  const reader = extract();
  const entries: TarEntry[] = [];
  reader.end(view(archive));
  for await (const entry of reader) {
    const { name, type } = entry.header;
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    if (type !== 'file' && type !== 'directory')
      throw new TarFormatError(`Entry ${name} has type "${type}"; only files and directories.`);
    entries.push({
      path: type === 'directory' ? name.replace(/\/+$/, '') : name,
      type,
      bytes: new Uint8Array(Buffer.concat(chunks)),
    });
  }
  return entries;
}
