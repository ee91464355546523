/**
 * A gate run split where the threads meet: `materialiseRun` does the I/O (blobs out of the blob
 * store) on the caller's thread; `evaluateMaterialisedRun` does the CPU work (parsing the files,
 * evaluating the gates) wherever it is called — a worker thread in the server, this thread in the
 * in-process runner. Both runners share this code, and so every runner answers the same results
 * for the same evidence.
 *
 * A run whose evidence (candidate and baseline together, by recorded size) is at most
 * `inMemoryRunBytes` is held in memory and crosses to the worker as bytes: no temporary
 * directory, no file written or read. A larger run is unpacked into a run directory, streamed,
 * so that no blob of any size need fit in memory.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BlobStore,
  evaluateGateRun,
  type GateRunInput,
  type GateRunPhase,
  type GateRunSpec,
  groupColumnsFor,
  type LoadedEvidence,
} from '../app/index.js';
import type { EvidenceProblem, EvidenceRecord, GateResult } from '../domain/index.js';
import {
  type EvidenceReadOptions,
  type HeldEvidence,
  holdEvidence,
  materialiseEvidence,
  readHeldEvidence,
  readMaterialisedEvidence,
} from '../evidence/index.js';

/** Evidence up to this many bytes a run is held in memory rather than unpacked to disk. */
export const inMemoryRunBytes = 8 << 20;

/**
 * One side's evidence, ready to read: held in memory, or written out (where, and what could not
 * be written); with the records either way.
 */
type MaterialisedSide =
  | { held: HeldEvidence; items: readonly EvidenceRecord[] }
  | { dir: string; items: readonly EvidenceRecord[]; problems: EvidenceProblem[] };

/** Everything a thread needs to finish a run; plain data, so it crosses to a worker as is. */
export interface MaterialisedRun extends GateRunSpec {
  candidate: MaterialisedSide;
  baseline?: MaterialisedSide | undefined;
}

async function materialiseSide(
  blobs: BlobStore,
  items: readonly EvidenceRecord[],
  dir: string,
): Promise<MaterialisedSide> {
  await mkdir(dir);
  return { dir, items, problems: await materialiseEvidence({ blobs, items, dir }) };
}

async function holdSide(
  blobs: BlobStore,
  items: readonly EvidenceRecord[],
): Promise<MaterialisedSide> {
  return { held: await holdEvidence({ blobs, items }), items };
}

/** The bytes of the run's evidence, as its records give them. */
export function evidenceBytes(input: GateRunInput): number {
  let bytes = 0;
  for (const item of input.candidate) bytes += item.size;
  for (const item of input.baseline ?? []) bytes += item.size;
  return bytes;
}

/** Whether the run's evidence is small enough to hold in memory (`inMemoryRunBytes`). */
export function isHeldInMemory(input: GateRunInput, limitBytes = inMemoryRunBytes): boolean {
  return evidenceBytes(input) <= limitBytes;
}

/**
 * Reads the run's evidence into memory, or, with `dir` (which must exist and be empty), writes it
 * under `dir`.
 */
export async function materialiseRun(
  blobs: BlobStore,
  input: GateRunInput,
  dir?: string,
): Promise<MaterialisedRun> {
  const side = (items: readonly EvidenceRecord[], name: string) =>
    dir === undefined ? holdSide(blobs, items) : materialiseSide(blobs, items, join(dir, name));
  const candidate = await side(input.candidate, 'candidate');
  const baseline = input.baseline ? await side(input.baseline, 'baseline') : undefined;
  return {
    gates: input.gates,
    evaluationSet: input.evaluationSet,
    bypass: input.bypass,
    candidate,
    baseline,
  };
}

async function readSide(
  side: MaterialisedSide,
  options: EvidenceReadOptions,
): Promise<LoadedEvidence> {
  try {
    const bundle =
      'held' in side
        ? await readHeldEvidence({ held: side.held, items: side.items, options })
        : await readMaterialisedEvidence({ ...side, options });
    return { ok: true, bundle };
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : String(error) };
  }
}

/** Reads both sides and evaluates the gates; `onPhase` hears each step before it starts. */
export async function evaluateMaterialisedRun(
  run: MaterialisedRun,
  onPhase: (phase: GateRunPhase) => void = () => {},
): Promise<GateResult[]> {
  const evaluationSet = run.evaluationSet;
  onPhase({ step: 'candidate' });
  const candidate = await readSide(run.candidate, {
    evaluationSet,
    groupColumns: groupColumnsFor(run.gates),
  });
  let baseline: LoadedEvidence | undefined;
  if (run.baseline) {
    onPhase({ step: 'baseline' });
    baseline = await readSide(run.baseline, { evaluationSet, groupColumns: [] });
  }
  return evaluateGateRun({
    gates: run.gates,
    evaluationSet,
    bypass: run.bypass,
    candidate,
    baseline,
    onGate: (gateId) => onPhase({ step: 'gate', gateId }),
  });
}
