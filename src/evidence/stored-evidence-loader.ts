/**
 * Reads a version's stored evidence in two halves, so that a gate runner can do the I/O on one
 * thread and the parsing on another. Evidence of a usual size is held in memory:
 * `holdEvidence` reads each record's blob out of the blob store (its digest checked), and
 * `readHeldEvidence` reads those bytes under their recorded paths like any evidence folder.
 * Evidence too large to hold is unpacked instead: `materialiseEvidence` writes each blob into a
 * directory under its recorded path, streamed, and `readMaterialisedEvidence` reads that
 * directory. Either way the bundle carries the stored digests, and an item that cannot be read (a
 * corrupted or missing blob, a path that leaves its directory) or whose bytes no longer match
 * becomes a problem of its kind, so only the gates that need it report `error`.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { mapLimited } from '../app/shared/map-limited.js';
import type { BlobStore } from '../app/shared/ports.js';
import {
  ClearanceError,
  type EvaluationSetSpec,
  type EvidenceBundle,
  type EvidenceProblem,
  type EvidenceRecord,
  isClearanceError,
} from '../domain/index.js';
import { memoryEvidenceFiles } from './evidence-files.js';
import { loadEvidenceBundle } from './load-evidence-bundle.js';

export interface EvidenceReadOptions {
  evaluationSet?: EvaluationSetSpec | undefined;
  groupColumns: string[];
}

function safePath(dir: string, path: string): string {
  const target = normalize(join(dir, path));
  if (!target.startsWith(`${dir}${sep}`) || path.startsWith('/') || path.includes('\\')) {
    throw new ClearanceError('invalid_evidence', `Evidence path "${path}" leaves its directory.`, {
      problems: [
        { message: `Path ${path} is not relative.`, fix: 'Attach it under a relative path.' },
      ],
    });
  }
  return target;
}

/** The problem an item that could not be written becomes; the path is quoted, controls visible. */
function unwritable(item: EvidenceRecord, error: unknown): EvidenceProblem {
  const path = JSON.stringify(item.path);
  if (isClearanceError(error)) {
    const fix = error.problems[0]?.fix ?? 'Attach the evidence again.';
    return { kind: item.kind, message: `${path}: ${error.message}`, fix };
  }
  const reason = error instanceof Error ? error.message : String(error);
  return {
    kind: item.kind,
    message: `${path} could not be unpacked for reading (${reason.replace(/\0/g, '\\0')}).`,
    fix: 'Attach the evidence again under a plain relative path (no control characters, at most 255 bytes per name, no file where a folder is needed).',
  };
}

/**
 * Writes each record's blob to `dir/<path>` (`dir` must exist and be empty). Never throws for
 * the evidence's sake: what could not be written comes back as problems of the items' kinds.
 */
export async function materialiseEvidence(input: {
  blobs: BlobStore;
  items: readonly EvidenceRecord[];
  dir: string;
}): Promise<EvidenceProblem[]> {
  const problems: EvidenceProblem[] = [];
  for (const item of input.items) {
    try {
      const target = safePath(input.dir, item.path);
      await mkdir(dirname(target), { recursive: true });
      await input.blobs.writeTo(item.digest, target);
    } catch (error) {
      problems.push(unwritable(item, error));
    }
  }
  return problems;
}

/**
 * Reads a directory `materialiseEvidence` wrote, with its problems, into the bundle gates
 * evaluate. Throws only when the directory cannot be read at all.
 */
export async function readMaterialisedEvidence(input: {
  dir: string;
  items: readonly EvidenceRecord[];
  problems: readonly EvidenceProblem[];
  options: EvidenceReadOptions;
}): Promise<EvidenceBundle> {
  const { evaluationSet, groupColumns } = input.options;
  const bundle = await loadEvidenceBundle(input.dir, {
    ...(evaluationSet ? { evaluationSet } : {}),
    groupColumns,
  });
  return withStoredDigests(
    withoutTempDirectory(
      { ...bundle, problems: [...input.problems, ...bundle.problems] },
      input.dir,
    ),
    input.items,
  );
}

/** A side's evidence held in memory: its bytes by recorded path, and what could not be read. */
export interface HeldEvidence {
  files: Map<string, Uint8Array>;
  problems: EvidenceProblem[];
}

/** Blobs read at once by one hold: the file store's I/O thread takes them as one batch. */
const readingAtOnce = 8;

/**
 * Reads each record's blob into memory (the blob store checks it still hashes to its digest),
 * a few at a time. Never throws for the evidence's sake: what could not be read comes back as
 * problems of the items' kinds, as `materialiseEvidence` reports what it could not write.
 */
export async function holdEvidence(input: {
  blobs: BlobStore;
  items: readonly EvidenceRecord[];
}): Promise<HeldEvidence> {
  const reads = await mapLimited(input.items, readingAtOnce, (item) =>
    input.blobs.get(item.digest).then(
      (bytes) => ({ bytes }),
      (error: unknown) => ({ error }),
    ),
  );
  const files = new Map<string, Uint8Array>();
  const folders = new Set<string>();
  const problems: EvidenceProblem[] = [];
  // A path is checked and named as if it were unpacked under a directory (`materialiseEvidence`),
  // so both ways read the same files and refuse the same ones: a path named twice once normalised,
  // or a file where another path needs a folder, is a problem either way. A path is judged beside
  // the files held before it, in order, whatever order the reads finished in.
  const root = join(sep, 'evidence');
  for (const [i, item] of input.items.entries()) {
    try {
      const path = relative(root, safePath(root, item.path)).split(sep).join('/');
      const clash = clashOf(path, files, folders);
      if (clash !== undefined) throw new Error(clash);
      const read = reads[i];
      if (read === undefined || 'error' in read) throw read?.error;
      files.set(path, read.bytes);
      const parts = path.split('/');
      for (let depth = 1; depth < parts.length; depth++) {
        folders.add(parts.slice(0, depth).join('/'));
      }
    } catch (error) {
      problems.push(unwritable(item, error));
    }
  }
  return { files, problems };
}

/** Why `path` cannot be held beside `files` (what unpacking it to disk would refuse), if it cannot. */
function clashOf(
  path: string,
  files: ReadonlyMap<string, Uint8Array>,
  folders: ReadonlySet<string>,
): string | undefined {
  if (files.has(path)) return `a file is already unpacked at ${path}`;
  if (folders.has(path)) return `${path} is a folder of other evidence`;
  const parts = path.split('/');
  for (let depth = 1; depth < parts.length; depth++) {
    const folder = parts.slice(0, depth).join('/');
    if (files.has(folder)) return `${folder} is a file, not a folder`;
  }
  return undefined;
}

/** Reads evidence `holdEvidence` held, with its problems, into the bundle gates evaluate. */
export async function readHeldEvidence(input: {
  held: HeldEvidence;
  items: readonly EvidenceRecord[];
  options: EvidenceReadOptions;
}): Promise<EvidenceBundle> {
  const { evaluationSet, groupColumns } = input.options;
  const bundle = await loadEvidenceBundle('.', {
    ...(evaluationSet ? { evaluationSet } : {}),
    groupColumns,
    files: memoryEvidenceFiles(input.held.files),
  });
  return withStoredDigests(
    { ...bundle, problems: [...input.held.problems, ...bundle.problems] },
    input.items,
  );
}

/** Both halves in this thread, the evidence held in memory. */
export class StoredEvidenceLoader {
  constructor(private readonly blobs: BlobStore) {}

  async load(
    items: readonly EvidenceRecord[],
    options: EvidenceReadOptions,
  ): Promise<EvidenceBundle> {
    const held = await holdEvidence({ blobs: this.blobs, items });
    return readHeldEvidence({ held, items, options });
  }
}

/**
 * The readers name files by the path they were given, here inside a temporary directory that is
 * gone once the bundle is built. Decision records and answers must name evidence by its recorded
 * path, never by where this server happened to unpack it, so every string that mentions the
 * directory is rewritten in place (the bundle is ours; typed arrays hold no text and are skipped).
 */
function withoutTempDirectory(bundle: EvidenceBundle, dir: string): EvidenceBundle {
  const rewrite = (text: string): string =>
    text.includes(dir) ? text.split(`${dir}${sep}`).join('').split(dir).join('.') : text;
  const seen = new WeakSet<object>();
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return rewrite(value);
    if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
    if (seen.has(value)) return value;
    seen.add(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = walk(value[i]);
    } else if (value instanceof Map) {
      for (const [key, item] of value) value.set(key, walk(item));
    } else {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) record[key] = walk(record[key]);
    }
    return value;
  };
  walk(bundle);
  return bundle;
}

function withStoredDigests(
  bundle: EvidenceBundle,
  items: readonly EvidenceRecord[],
): EvidenceBundle {
  const stored = new Map(items.map((i) => [i.path, i]));
  const first = items[0];
  const root = first ? `stored evidence of ${first.model}@${first.version}` : 'stored evidence';
  const problems = [...bundle.problems];
  const bundleItems = bundle.items.map((item) => {
    const record = stored.get(item.path);
    if (!record) return item;
    if (record.digest !== item.digest) {
      problems.push({
        kind: record.kind,
        message: `${item.path}: the stored bytes hash to ${item.digest}, not the recorded ${record.digest}.`,
        fix: 'The blob store was altered; restore the blob from a backup or attach the evidence again.',
      });
    }
    return { ...item, digest: record.digest, size: record.size };
  });
  return { ...bundle, root, items: bundleItems, problems };
}
