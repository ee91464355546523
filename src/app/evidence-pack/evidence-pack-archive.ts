/**
 * The evidence pack as one download: a gzip-compressed tar whose single top-level directory holds
 * exactly the files `clearance evidence-pack export` writes. Reading it back checks every file
 * against the manifest (SHA-256 and size), recomputes the pack digest, and refuses paths that
 * could escape the directory, so a client can unpack a pack fetched from a server it does not
 * control.
 */
import { createHash } from 'node:crypto';
import { pipeline, type Readable, Transform } from 'node:stream';
import { promisify } from 'node:util';
import { createGzip, gunzip, gzip } from 'node:zlib';
import { z } from 'zod';
import { ClearanceError, canonicalJson } from '../../domain/index.js';
import type {
  EvidencePack,
  EvidencePackManifest,
  PackFile,
  StreamedEvidencePack,
} from './evidence-pack.js';
import { readTar, type TarEntry, type TarSource, tarBytes, tarStream } from './pack-tar.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export const evidencePackMediaType = 'application/gzip';

/** Largest pack the CLI unpacks (2 GiB): larger means the evidence belongs elsewhere, or a bomb. */
const maxUnpackedPackBytes = 2 * 1024 ** 3;

export interface EvidencePackArchive {
  /** `<model>-<version>-evidence-pack.tar.gz`, safe as a file name. */
  filename: string;
  bytes: Uint8Array;
}

const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, '_');

/** The archive's top-level directory, also the file name's stem. */
function evidencePackDirectory(manifest: Pick<EvidencePackManifest, 'model' | 'version'>) {
  return `${safe(manifest.model)}-${safe(manifest.version)}-evidence-pack`;
}

/** The download's file name, known before the pack is built (a `HEAD` answers it). */
export function evidencePackFilename(model: string, version: string): string {
  return `${evidencePackDirectory({ model, version })}.tar.gz`;
}

/** Packs every file (manifest.json included) under one directory, then gzips it. */
export async function evidencePackArchive(pack: EvidencePack): Promise<EvidencePackArchive> {
  const { root, entries, mtime } = archiveEntries(pack);
  const bytes = new Uint8Array(await gzipAsync(await tarBytes(entries, mtime)));
  return { filename: `${root}.tar.gz`, bytes };
}

/** The same archive as `evidencePackArchive`, gzip-compressed as it streams out. */
export interface EvidencePackStream {
  filename: string;
  stream: Readable;
}

/**
 * Streams the archive: tar chunks go through gzip as the reader takes them, and a streamed pack's
 * evidence is read from the blob store chunk by chunk as the archive reaches it, so the server
 * holds the pack's records and a few chunks, never its evidence whole. A blob that fails its
 * digest check on the way destroys the stream with that error: the archive is cut off (no gzip
 * trailer), never completed with bytes its manifest does not describe. With `stallMs`, an
 * archive that does not move for that long (its reader takes nothing, or a blob sends nothing) is
 * destroyed with an error saying so, which frees whatever it held.
 */
export function evidencePackStream(
  pack: EvidencePack | StreamedEvidencePack,
  options: { stallMs?: number } = {},
): EvidencePackStream {
  const { root, entries, mtime } = archiveEntries(pack);
  const tar = tarStream(entries, mtime);
  return {
    filename: `${root}.tar.gz`,
    // pipeline, not pipe: an error on either side destroys the other, so a failed export ends
    // the response instead of leaving it hanging.
    stream:
      options.stallMs === undefined
        ? pipeline(tar, createGzip(), () => {})
        : pipeline(tar, createGzip(), stallGuard(options.stallMs), () => {}),
  };
}

/**
 * A download cut off because nothing moved for `evidencePackStallSeconds`: the client's doing (or
 * a stalled blob store), not a fault in the pack, so the route logs it as a warning.
 */
export class EvidencePackStall extends Error {
  override name = 'EvidencePackStall';
}

/**
 * Passes chunks through, and destroys itself when none passed for `ms`. A Transform is only
 * handed a chunk while its reader keeps up, so a client that stops reading stops the chunks.
 */
function stallGuard(ms: number): Transform {
  const guard: Transform = new Transform({
    transform(chunk, _encoding, callback) {
      timer.refresh();
      callback(null, chunk);
    },
  });
  const why = `nothing moved for ${ms / 1000} s (evidencePackStallSeconds): the client stopped reading, or the blob store stopped sending`;
  // Unref'd: a stalled download never keeps the process alive on its own.
  const timer = setTimeout(() => guard.destroy(new EvidencePackStall(why)), ms).unref();
  guard.once('close', () => clearTimeout(timer));
  return guard;
}

function archiveEntries(pack: EvidencePack | StreamedEvidencePack): {
  root: string;
  entries: TarSource[];
  mtime: number;
} {
  const root = evidencePackDirectory(pack.manifest);
  const directories = new Set<string>([root]);
  for (const f of pack.files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++)
      directories.add(`${root}/${parts.slice(0, i).join('/')}`);
  }
  const entries: TarSource[] = [
    ...[...directories].sort().map((path) => ({
      path,
      type: 'directory' as const,
      bytes: new Uint8Array(),
    })),
    ...pack.files.map((f) => {
      const path = `${root}/${f.path}`;
      return 'bytes' in f
        ? { path, type: 'file' as const, bytes: f.bytes }
        : { path, type: 'file' as const, size: f.size, chunks: f.chunks };
    }),
  ];
  return { root, entries, mtime: Date.parse(pack.manifest.createdAt) / 1000 };
}

function malformed(message: string, fix = 'Download the pack again.'): ClearanceError {
  return new ClearanceError('invalid_input', message, { problems: [{ message, fix }] });
}

function altered(message: string): ClearanceError {
  return new ClearanceError('precondition_failed', message, {
    problems: [{ message, fix: 'Do not use this pack: download it again or ask the operator.' }],
  });
}

/** A relative path of plain segments: no `..`, `.`, empty or absolute parts, no backslashes. */
function isSafeRelative(path: string): boolean {
  if (path === '' || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

const manifestShape = z.looseObject({
  format: z.literal('clearance-evidence-pack/v1'),
  model: z.string(),
  version: z.string(),
  packDigest: z.string(),
  files: z.array(
    z.object({ path: z.string(), sha256: z.string(), size: z.number().int().nonnegative() }),
  ),
  audit: z.looseObject({}),
});

function parseManifest(bytes: Uint8Array): EvidencePackManifest {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw malformed('The pack’s manifest.json is not JSON.');
  }
  const parsed = manifestShape.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw malformed(
      `The pack’s manifest.json is not a clearance-evidence-pack/v1 manifest (${issue?.path.join('.') || 'root'}: ${issue?.message}).`,
    );
  }
  return parsed.data as unknown as EvidencePackManifest;
}

/** The files under the archive's single top-level directory, by path relative to it. */
function packFilesOf(entries: readonly TarEntry[]): Map<string, Uint8Array> {
  const root = entries[0]?.path.split('/')[0];
  if (!root) throw malformed('The archive is empty.');
  const files = new Map<string, Uint8Array>();
  for (const entry of entries) {
    if (entry.path === root && entry.type === 'directory') continue;
    const relative = entry.path.startsWith(`${root}/`) ? entry.path.slice(root.length + 1) : '';
    if (!isSafeRelative(relative))
      throw malformed(`Archive entry "${entry.path}" is outside the pack directory ${root}/.`);
    if (entry.type === 'directory') continue;
    if (files.has(relative)) throw malformed(`Archive entry "${entry.path}" appears twice.`);
    files.set(relative, entry.bytes);
  }
  return files;
}

/**
 * The files of a pack archive by path relative to its top-level directory, unchecked against the
 * manifest; `invalid_input` for anything that is not a gzip-compressed tar of one directory.
 */
export async function evidencePackArchiveFiles(
  archive: Uint8Array,
  options: { maxUnpackedBytes?: number } = {},
): Promise<Map<string, Uint8Array>> {
  const maxOutputLength = options.maxUnpackedBytes ?? maxUnpackedPackBytes;
  let entries: TarEntry[];
  try {
    // Bounded: a gzip bomb from a hostile server stops at the limit instead of eating memory.
    entries = await readTar(new Uint8Array(await gunzipAsync(archive, { maxOutputLength })));
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw malformed(`The file is not a gzip-compressed tar evidence pack: ${why}`);
  }
  return packFilesOf(entries);
}

/**
 * Reads a downloaded pack and checks it: each manifest row's file is present with that SHA-256
 * and size, no other file is, and `packDigest` matches the rows. `invalid_input` for a malformed
 * archive, `precondition_failed` for content that does not match its manifest.
 */
export async function readEvidencePackArchive(
  archive: Uint8Array,
  options: { maxUnpackedBytes?: number } = {},
): Promise<EvidencePack> {
  const found = await evidencePackArchiveFiles(archive, options);
  const manifestBytes = found.get('manifest.json');
  if (!manifestBytes) throw malformed('The pack has no manifest.json.');
  const manifest = parseManifest(manifestBytes);
  const files: PackFile[] = [];
  for (const row of manifest.files) {
    if (!isSafeRelative(row.path) || row.path === 'manifest.json')
      throw malformed(`The manifest lists a file at an unsafe path: "${row.path}".`);
    const bytes = found.get(row.path);
    if (!bytes) throw altered(`The pack lacks ${row.path}, which its manifest lists.`);
    const digest = sha256(bytes);
    if (digest !== row.sha256 || bytes.length !== row.size)
      throw altered(
        `${row.path} hashes to ${digest} (${bytes.length} bytes); the manifest says ${row.sha256} (${row.size} bytes).`,
      );
    files.push({ path: row.path, bytes, digest });
  }
  const unlisted = [...found.keys()].filter(
    (path) => path !== 'manifest.json' && !manifest.files.some((row) => row.path === path),
  );
  if (unlisted.length > 0)
    throw altered(`The pack holds files its manifest does not list: ${unlisted.join(', ')}.`);
  const listed = manifest.files.map(({ path, sha256, size }) => ({ path, sha256, size }));
  const packDigest = sha256(new TextEncoder().encode(canonicalJson(listed)));
  if (packDigest !== manifest.packDigest)
    throw altered(`The manifest's packDigest ${manifest.packDigest} does not match its files.`);
  files.push({ path: 'manifest.json', bytes: manifestBytes, digest: sha256(manifestBytes) });
  return { manifest, files };
}
