/**
 * A small POSIX tar (ustar, POSIX.1-1988, with pax extended headers from POSIX.1-2001) codec for
 * the evidence pack download: regular files and directories only. Paths that do not fit ustar's
 * 155 + 100 byte fields, or are not ASCII, and sizes of 8 GiB or more go in a pax `x` header, as
 * GNU tar, bsdtar and Python's tarfile read them. The reader accepts the same subset and refuses
 * links and devices, since an archive from a server is untrusted input.
 */

const block = 512;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const maxOctal11 = 0o77777777777;

export interface TarEntry {
  /** Relative, forward slashes; directories without a trailing slash. */
  path: string;
  type: 'file' | 'directory';
  /** File content; empty for directories. */
  bytes: Uint8Array;
}

/** Thrown by `readTar` on anything it does not accept; callers turn it into their own error. */
class TarFormatError extends Error {
  override name = 'TarFormatError';
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function put(header: Uint8Array, offset: number, width: number, text: string): void {
  const bytes = encoder.encode(text);
  if (bytes.length > width) throw new Error(`tar field of ${width} bytes cannot hold "${text}".`);
  header.set(bytes, offset);
}

const isAscii = (text: string) => /^[\x20-\x7e]*$/.test(text);
const asciiTail = (text: string, width: number) => text.replace(/[^\x20-\x7e]/g, '_').slice(-width);

/** Splits a path into ustar `prefix` and `name`, or undefined when it does not fit. */
function ustarName(path: string): { prefix: string; name: string } | undefined {
  if (!isAscii(path)) return undefined;
  if (path.length <= 100) return { prefix: '', name: path };
  for (let cut = path.indexOf('/'); cut !== -1; cut = path.indexOf('/', cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (prefix.length <= 155 && name.length <= 100 && name.length > 0) return { prefix, name };
  }
  return undefined;
}

/** One pax record: `<length> <key>=<value>\n`, where length counts the whole record. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = encoder.encode(body).length;
  const digits = String(bodyLength).length;
  // Adding the length's own digits may carry it into one more digit (98 + 2 → 101).
  const length = bodyLength + digits + (String(bodyLength + digits).length > digits ? 1 : 0);
  return `${length}${body}`;
}

function header(input: {
  name: string;
  prefix: string;
  size: number;
  type: string;
  mode: number;
  mtime: number;
}): Uint8Array {
  const h = new Uint8Array(block);
  put(h, 0, 100, input.name);
  put(h, 100, 8, octal(input.mode, 8));
  put(h, 108, 8, octal(0, 8));
  put(h, 116, 8, octal(0, 8));
  put(h, 124, 12, octal(input.size, 12));
  put(h, 136, 12, octal(input.mtime, 12));
  put(h, 148, 8, '        ');
  put(h, 156, 1, input.type);
  put(h, 257, 6, 'ustar\0');
  put(h, 263, 2, '00');
  put(h, 265, 32, 'clearance');
  put(h, 297, 32, 'clearance');
  put(h, 345, 155, input.prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

function padded(bytes: Uint8Array): Uint8Array[] {
  const rest = bytes.length % block;
  return rest === 0 ? [bytes] : [bytes, new Uint8Array(block - rest)];
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Writes a tar archive of `entries`, in order; `mtime` (seconds) stamps every entry. */
export function writeTar(entries: readonly TarEntry[], mtime: number): Uint8Array {
  return concat([...tarChunks(entries, mtime)]);
}

/**
 * The same archive as `writeTar`, as the chunks it is made of (headers, file bytes, padding), so
 * it can be streamed through gzip without a copy of the whole tar.
 */
export function* tarChunks(entries: readonly TarEntry[], mtime: number): Generator<Uint8Array> {
  const seconds = Math.max(0, Math.floor(mtime));
  for (const entry of entries) {
    const directory = entry.type === 'directory';
    const path = directory ? `${entry.path}/` : entry.path;
    const size = directory ? 0 : entry.bytes.length;
    const split = ustarName(path);
    const records = [
      ...(split ? [] : [paxRecord('path', path)]),
      ...(size > maxOctal11 ? [paxRecord('size', String(size))] : []),
    ];
    if (records.length > 0) {
      const pax = encoder.encode(records.join(''));
      const paxName = `PaxHeaders/${asciiTail(path, 80)}`;
      const fields = { prefix: '', size: pax.length, type: 'x', mode: 0o644, mtime: seconds };
      yield header({ ...fields, name: paxName.slice(0, 100) });
      yield* padded(pax);
    }
    // Readers without pax support still see a plausible (truncated) name.
    const name = split ?? { prefix: '', name: asciiTail(path, 100) };
    yield header({
      ...name,
      size: Math.min(size, maxOctal11),
      type: directory ? '5' : '0',
      mode: directory ? 0o755 : 0o644,
      mtime: seconds,
    });
    if (!directory) yield* padded(entry.bytes);
  }
  yield new Uint8Array(block * 2);
}

function field(h: Uint8Array, offset: number, width: number): string {
  const bytes = h.subarray(offset, offset + width);
  const end = bytes.indexOf(0);
  return decoder.decode(end === -1 ? bytes : bytes.subarray(0, end));
}

function octalField(h: Uint8Array, offset: number, width: number, what: string): number {
  const text = field(h, offset, width).trim();
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`The ${what} field "${text}" is not octal.`);
  return Number.parseInt(text, 8);
}

function checksumOk(h: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < block; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] as number);
  return octalField(h, 148, 8, 'checksum') === sum;
}

function parsePax(bytes: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < bytes.length) {
    const space = bytes.indexOf(0x20, offset);
    const length = Number(decoder.decode(bytes.subarray(offset, space)));
    if (space === -1 || !Number.isSafeInteger(length) || length <= 0) break;
    const record = decoder.decode(bytes.subarray(space + 1, offset + length - 1));
    const equals = record.indexOf('=');
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    offset += length;
  }
  return records;
}

const isZeroBlock = (h: Uint8Array) => h.every((b) => b === 0);

/** Reads a tar archive of regular files and directories (ustar, pax, or old-style v7 names). */
export function readTar(archive: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let pax = new Map<string, string>();
  let offset = 0;
  while (offset + block <= archive.length) {
    const h = archive.subarray(offset, offset + block);
    if (isZeroBlock(h)) return entries;
    if (!checksumOk(h)) throw new TarFormatError(`The header at byte ${offset} is corrupt.`);
    const type = String.fromCharCode(h[156] as number);
    const size = pax.has('size') ? Number(pax.get('size')) : octalField(h, 124, 12, 'size');
    const start = offset + block;
    const end = start + size;
    if (!Number.isSafeInteger(size) || end > archive.length)
      throw new TarFormatError(`The entry at byte ${offset} runs past the end of the archive.`);
    const data = archive.subarray(start, end);
    offset = start + Math.ceil(size / block) * block;
    if (type === 'x') {
      pax = parsePax(data);
      continue;
    }
    if (type === 'g') continue;
    const prefix = field(h, 345, 155);
    const name = pax.get('path') ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    pax = new Map();
    if (type === '5') {
      entries.push({ path: name.replace(/\/+$/, ''), type: 'directory', bytes: new Uint8Array() });
    } else if (type === '0' || type === '\0') {
      entries.push({ path: name, type: 'file', bytes: data.slice() });
    } else {
      throw new TarFormatError(`Entry ${name} has type "${type}"; only files and directories.`);
    }
  }
  throw new TarFormatError('The archive ends without its two zero blocks.');
}
