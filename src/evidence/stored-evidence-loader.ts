/**
 * Reads a version's stored evidence: writes each record's blob into a fresh temporary directory
 * under its recorded path, reads that directory like any evidence folder, then removes it. The
 * bundle carries the stored digests; a blob whose bytes no longer match becomes a problem of its
 * kind, so the gates that need it report `error` instead of judging altered evidence.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import type { BlobStore, EvidenceBundleLoader } from '../app/ports.js';
import {
  ClearanceError,
  type EvaluationSetSpec,
  type EvidenceBundle,
  type EvidenceRecord,
} from '../domain/index.js';
import { loadEvidenceBundle } from './load-evidence-bundle.js';

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

export class StoredEvidenceLoader implements EvidenceBundleLoader {
  constructor(private readonly blobs: BlobStore) {}

  async load(
    items: readonly EvidenceRecord[],
    options: { evaluationSet?: EvaluationSetSpec; groupColumns: string[] },
  ): Promise<EvidenceBundle> {
    const dir = await mkdtemp(join(tmpdir(), 'clearance-evidence-'));
    try {
      for (const item of items) {
        const target = safePath(dir, item.path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, await this.blobs.get(item.digest));
      }
      const bundle = await loadEvidenceBundle(dir, options);
      return withStoredDigests(withoutTempDirectory(bundle, dir), items);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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
