/**
 * Evaluates a transition's gates on a version's evidence as stored now, against the current
 * production version's evidence as the baseline.
 */
import {
  type DecisionRecord,
  type EvidenceItem,
  type EvidenceRecord,
  evidenceSetDigest,
  type GateResult,
  type Policy,
  type TransitionPolicy,
  type VersionView,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import type { GateRunInput, GateRunPriority, Repositories } from '../shared/ports.js';
import { startedEarly } from '../shared/read-together.js';
import { type AheadRun, cachedGateRun } from './gate-result-cache.js';

export interface GateRun {
  gates: GateResult[];
  evidence: EvidenceItem[];
  evidenceDigest: string;
  baseline?: { version: string; evidenceDigest: string; evidence: EvidenceItem[] };
}

function toItem(record: EvidenceItem): EvidenceItem {
  return { kind: record.kind, path: record.path, digest: record.digest, size: record.size };
}

/** The gate run for stored evidence: what replay and backtest repeat. */
export function storedGateRun(input: {
  policy: Policy;
  transition: TransitionPolicy;
  candidate: readonly EvidenceRecord[];
  baseline?: readonly EvidenceRecord[] | undefined;
  bypass: readonly string[];
  priority?: GateRunPriority | undefined;
}): GateRunInput {
  return {
    gates: input.transition.gates,
    evaluationSet: input.policy.evaluationSet,
    candidate: input.candidate,
    baseline: input.baseline,
    bypass: input.bypass,
    ...(input.priority ? { priority: input.priority } : {}),
  };
}

/** Which run to evaluate, read from the store: the run's input and what the decision records. */
export interface GateRunInputs {
  input: GateRunInput;
  records: readonly EvidenceRecord[];
  baseline?: { version: string; records: readonly EvidenceRecord[] } | undefined;
}

export interface GateRunTarget {
  policy: Policy;
  transition: TransitionPolicy;
  model: string;
  version: string;
  bypass: readonly string[];
  /** Compare with this version instead of the current production one (e.g. the one replaced). */
  baselineVersion?: string | undefined;
  /**
   * The model's versions in production, when the caller read them in the same transaction with
   * nothing written since (`versions.getBeside`): not read again.
   */
  production?: readonly Pick<VersionView, 'version'>[] | undefined;
  /** `advisory` for a run that decides nothing (a dry run); `governed` when absent. */
  priority?: GateRunPriority | undefined;
}

/**
 * Evidence lists a caller asked for in this transaction, before it knew for sure which version
 * and baseline the run would read (ADR 049): used only for the very same ones.
 */
export interface KnownEvidence {
  model: string;
  version: string;
  records: Promise<EvidenceRecord[]>;
  baseline?: { version: string; records: Promise<EvidenceRecord[]> };
}

/**
 * The evidence of `version` and, if named, of `baseline`, asked for now in `tx` and answered when
 * `readGateRunInputs` finds the run reads the same (ADR 049).
 */
export function knownEvidence(
  tx: Repositories,
  names: { model: string; version: string; baseline?: string | undefined },
): KnownEvidence {
  const { model, version, baseline } = names;
  // Unused when the run reads other versions: a failure then is not an unhandled rejection.
  const list = (v: string) => startedEarly(tx.evidence.list(model, v));
  return {
    model,
    version,
    records: list(version),
    ...(baseline === undefined ? {} : { baseline: { version: baseline, records: list(baseline) } }),
  };
}

/** Reads what a run evaluates: the version's evidence and the baseline version's, as stored now. */
export async function readGateRunInputs(
  tx: Repositories,
  target: GateRunTarget,
  known?: KnownEvidence,
): Promise<GateRunInputs> {
  const same = known?.model === target.model;
  const records =
    same && known.version === target.version
      ? await known.records
      : await tx.evidence.list(target.model, target.version);
  const production =
    target.baselineVersion !== undefined
      ? { version: target.baselineVersion }
      : (target.production ?? (await tx.versions.inState(target.model, 'production'))).find(
          (v) => v.version !== target.version,
        );
  const baselineRecords = !production
    ? undefined
    : same && known.baseline?.version === production.version
      ? await known.baseline.records
      : await tx.evidence.list(target.model, production.version);
  return {
    input: storedGateRun({
      policy: target.policy,
      transition: target.transition,
      candidate: records,
      baseline: baselineRecords,
      bypass: target.bypass,
      priority: target.priority,
    }),
    records,
    ...(production && baselineRecords
      ? { baseline: { version: production.version, records: baselineRecords } }
      : {}),
  };
}

/**
 * Evaluates the run read by `readGateRunInputs` — or, when the app keeps gate results and this
 * very input was evaluated before (ahead of the transaction), takes that result (ADR 014).
 */
export async function evaluateGateRunInputs(
  deps: Pick<AppDeps, 'gateRunner' | 'gateResults'>,
  inputs: GateRunInputs,
  ahead?: AheadRun,
): Promise<GateRun & { ahead: AheadRun }> {
  const { key, results: gates } = await cachedGateRun(deps, inputs.input, ahead);
  const evidence = inputs.records.map(toItem);
  const baseline = inputs.baseline;
  return {
    gates,
    ahead: { key, results: gates },
    evidence,
    evidenceDigest: evidenceSetDigest(evidence),
    ...(baseline
      ? {
          baseline: {
            version: baseline.version,
            evidenceDigest: evidenceSetDigest(baseline.records),
            evidence: baseline.records.map(toItem),
          },
        }
      : {}),
  };
}

/** Reads and evaluates a run; `ahead` is the run evaluated before the transaction, if any. */
export async function runGates(
  deps: Pick<AppDeps, 'gateRunner' | 'gateResults'>,
  tx: Repositories,
  target: GateRunTarget,
  ahead?: AheadRun,
  known?: KnownEvidence,
): Promise<GateRun> {
  const { ahead: _evaluated, ...run } = await evaluateGateRunInputs(
    deps,
    await readGateRunInputs(tx, target, known),
    ahead,
  );
  return run;
}

/**
 * The evidence a stored decision recorded, as records the evidence loader can read back from the
 * blob store (replay and backtest re-evaluate exactly what the decision saw).
 */
export function storedEvidenceRecords(
  decision: DecisionRecord,
  version: string,
  items: readonly EvidenceItem[],
  attachedBy: string,
): EvidenceRecord[] {
  return items.map((i) => ({
    ...i,
    model: decision.model,
    version,
    mediaType: 'application/octet-stream',
    attachedAt: decision.at,
    attachedBy,
  }));
}
