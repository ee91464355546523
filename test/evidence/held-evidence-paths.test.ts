/**
 * Evidence held in memory for a gate run (`holdEvidence`, runs up to 8 MiB) and evidence unpacked
 * to a directory (`materialiseEvidence`, larger runs) read the same files and refuse the same ones,
 * also for paths recorded before the upload rules: a path that normalises to another name, the
 * same file named twice, a file where another path needs a folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { EvidenceRecord } from '../../src/domain/index.js';
import {
  holdEvidence,
  materialiseEvidence,
  readHeldEvidence,
  readMaterialisedEvidence,
} from '../../src/evidence/stored-evidence-loader.js';
import { createMemoryBlobStore } from '../fakes/memory-blob-store.js';

const blobs = createMemoryBlobStore();
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function record(path: string, kind: EvidenceRecord['kind'], text: string) {
  const { digest, size } = await blobs.put(new TextEncoder().encode(text));
  return {
    model: 'm',
    version: '1',
    path,
    kind,
    digest,
    size,
    mediaType: 'application/json',
    attachedAt: '2026-03-01T00:00:00.000Z',
    attachedBy: 'ci',
  } as EvidenceRecord;
}

/** What a gate sees of a bundle: which files were read as what, and how many problems. */
async function bothWays(items: EvidenceRecord[]) {
  const options = { groupColumns: [] };
  const held = await holdEvidence({ blobs, items });
  const memory = await readHeldEvidence({ held, items, options });
  const dir = await mkdtemp(join(tmpdir(), 'clearance-held-'));
  dirs.push(dir);
  const problems = await materialiseEvidence({ blobs, items, dir });
  const disk = await readMaterialisedEvidence({ dir, items, problems, options });
  const seen = (bundle: typeof memory) => ({
    metrics: bundle.metrics,
    problems: bundle.problems.length,
  });
  return { memory: seen(memory), disk: seen(disk) };
}

it('reads a path recorded as sub/../metrics.json as metrics.json, as unpacking does', async () => {
  const { memory, disk } = await bothWays([
    await record('sub/../metrics.json', 'metrics', '{"accuracy": 0.9}'),
  ]);
  expect(memory).toStrictEqual(disk);
  expect(memory.problems).toBe(0);
  expect(memory.metrics).toBeDefined();
});

it('refuses a file where another path needs a folder, as unpacking does', async () => {
  const { memory, disk } = await bothWays([
    await record('notes', 'document', 'x'),
    await record('notes/metrics.json', 'metrics', '{"accuracy": 0.9}'),
  ]);
  expect(memory).toStrictEqual(disk);
  expect(memory.problems).toBe(1);
  expect(memory.metrics).toBeUndefined();
});

it('refuses the same file named twice once normalised, as unpacking does', async () => {
  const { memory, disk } = await bothWays([
    await record('metrics.json', 'metrics', '{"accuracy": 0.9}'),
    await record('./metrics.json', 'metrics', '{"accuracy": 0.1}'),
  ]);
  expect(memory).toStrictEqual(disk);
  expect(memory.problems).toBe(1);
});
