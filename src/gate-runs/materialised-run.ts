/**
 * A gate run split where the threads meet: `materialiseRun` does the I/O (blobs out of the blob
 * store into a run directory) on the caller's thread; `evaluateMaterialisedRun` does the CPU work
 * (parsing the files, evaluating the gates) wherever it is called — a worker thread in the
 * server, this thread in the in-process runner. Both runners share this code, and so every
 * runner answers the same results for the same evidence.
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
  materialiseEvidence,
  readMaterialisedEvidence,
} from '../evidence/index.js';

/** One side's evidence written out: where, which records, and what could not be written. */
interface MaterialisedSide {
  dir: string;
  items: readonly EvidenceRecord[];
  problems: EvidenceProblem[];
}

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

/** Writes the run's evidence under `dir` (which must exist and be empty). */
export async function materialiseRun(
  blobs: BlobStore,
  input: GateRunInput,
  dir: string,
): Promise<MaterialisedRun> {
  const candidate = await materialiseSide(blobs, input.candidate, join(dir, 'candidate'));
  const baseline = input.baseline
    ? await materialiseSide(blobs, input.baseline, join(dir, 'baseline'))
    : undefined;
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
    const bundle = await readMaterialisedEvidence({ ...side, options });
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
