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

/** A file whose content is read only as the archive reaches it (an evidence blob). */
interface StreamedTarFile {
  path: string;
  type: 'file';
  /** The content's length, written in the header before the content is read. */
  size: number;
  /** Opens the content; an iteration that fails (or ends short or long) fails the archive. */
  chunks(): Promise<AsyncIterable<Uint8Array>>;
}

export type TarSource = TarEntry | StreamedTarFile;

type Pack = ReturnType<typeof pack>;
type Sink = ReturnType<Pack['entry']>;
type Header = Parameters<Pack['entry']>[0];

/** streamx (under tar-stream) sets `destroying` when destroy is called; Node's typings lack it. */
const isDestroying = (stream: object) => (stream as { destroying?: boolean }).destroying === true;

/**
 * The tar of `entries` as a Node stream, every entry stamped with `mtime` (seconds) so the same
 * pack always gives the same bytes. Entries are written one after the other as the reader takes
 * the stream: bytes in memory are pushed by reference, streamed files chunk by chunk with the
 * reader's backpressure, so a streamed file is never held whole. A streamed file that fails
 * destroys the stream with its error, so the archive is cut off rather than completed.
 */
export function tarStream(entries: readonly TarSource[], mtime: number): Readable {
  const tar = pack();
  const date = new Date(mtime * 1000);
  writeEntries(tar, entries, date).then(
    () => {
      if (!isDestroying(tar)) tar.finalize();
    },
    (error: unknown) => tar.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  // streamx streams are async iterable; Readable.from makes a Node stream that pipeline accepts.
  return Readable.from(tar);
}

async function writeEntries(tar: Pack, entries: readonly TarSource[], date: Date): Promise<void> {
  for (const entry of entries) {
    if (isDestroying(tar)) return;
    // Directory names end in a slash, as GNU tar and bsdtar write them.
    if (entry.type === 'directory')
      await finished(tar, { name: `${entry.path}/`, type: 'directory', mode: 0o755, mtime: date });
    else if ('bytes' in entry)
      await finished(
        tar,
        { name: entry.path, type: 'file', mode: 0o644, mtime: date },
        view(entry.bytes),
      );
    else await writeStreamed(tar, entry, date);
  }
}

/** Adds one entry and waits until tar-stream has taken all of it (or failed). */
function finished(tar: Pack, header: Header, bytes?: Buffer): Promise<void> {
  return opened(tar, header, bytes).done;
}

/**
 * One entry's sink, and its end: resolved once tar-stream took the whole entry. `tar.entry`
 * throws on a destroyed pack, so callers check the pack first; should it throw anyway, it throws
 * here, to the caller, with `done` already observed (never an unhandled rejection).
 */
function opened(tar: Pack, header: Header, bytes?: Buffer): { sink: Sink; done: Promise<void> } {
  let end: (error?: Error | null) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    end = (error) => (error ? reject(error) : resolve());
  });
  // Awaited by the caller unless something failed first; a rejection nobody awaits would end the
  // process (Node's default for unhandled rejections).
  done.catch(() => undefined);
  const sink = bytes ? tar.entry(header, bytes, end) : tar.entry(header, end);
  // Its error (the pack destroyed under it) is reported through `done`; unheard, streamx would
  // throw it as an uncaught exception.
  sink.on('error', () => undefined);
  return { sink, done };
}

/**
 * Opening a blob takes a round trip (S3) or an open and a stat (files), during which the client
 * may go: the pack is then destroyed, so the blob is closed unread and the entry never begun.
 */
async function writeStreamed(tar: Pack, file: StreamedTarFile, date: Date): Promise<void> {
  const chunks = await file.chunks();
  if (isDestroying(tar)) return closeUnread(chunks);
  const header = { name: file.path, type: 'file', size: file.size, mode: 0o644, mtime: date };
  const { sink, done } = opened(tar, header as Header);
  // `for await` closes the blob when the loop is left early, by `return` or by a throw.
  for await (const chunk of chunks) {
    if (isDestroying(tar)) return;
    if (isDestroying(sink)) throw new Error('The archive was closed before it was complete.');
    if (!sink.write(view(chunk))) await drained(sink);
  }
  // `done` reports the end; the callback only satisfies the typings' overloads.
  sink.end(() => undefined);
  await done;
}

/** Closes a blob's chunks without reading them (its file handle or connection with them). */
async function closeUnread(chunks: AsyncIterable<Uint8Array>): Promise<void> {
  await chunks[Symbol.asyncIterator]().return?.();
}

function drained(sink: Sink): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      sink.off('drain', done);
      sink.off('close', done);
      resolve();
    };
    sink.on('drain', done);
    sink.on('close', done);
  });
}

/** The whole tar in one buffer. */
export async function tarBytes(entries: readonly TarSource[], mtime: number): Promise<Uint8Array> {
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
