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
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import type { GateRunInput, Repositories } from '../shared/ports.js';

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
}): GateRunInput {
  return {
    gates: input.transition.gates,
    evaluationSet: input.policy.evaluationSet,
    candidate: input.candidate,
    baseline: input.baseline,
    bypass: input.bypass,
  };
}

export async function runGates(
  deps: Pick<AppDeps, 'gateRunner'>,
  tx: Repositories,
  input: {
    policy: Policy;
    transition: TransitionPolicy;
    model: string;
    version: string;
    bypass: readonly string[];
    /** Compare with this version instead of the current production one (e.g. the one replaced). */
    baselineVersion?: string | undefined;
  },
): Promise<GateRun> {
  const records = await tx.evidence.list(input.model, input.version);
  const production =
    input.baselineVersion !== undefined
      ? { version: input.baselineVersion }
      : (await tx.versions.inState(input.model, 'production')).find(
          (v) => v.version !== input.version,
        );
  const baselineRecords = production
    ? await tx.evidence.list(input.model, production.version)
    : undefined;
  const gates = await deps.gateRunner.run(
    storedGateRun({
      policy: input.policy,
      transition: input.transition,
      candidate: records,
      baseline: baselineRecords,
      bypass: input.bypass,
    }),
  );
  const evidence = records.map(toItem);
  return {
    gates,
    evidence,
    evidenceDigest: evidenceSetDigest(evidence),
    ...(production && baselineRecords
      ? {
          baseline: {
            version: production.version,
            evidenceDigest: evidenceSetDigest(baselineRecords),
            evidence: baselineRecords.map(toItem),
          },
        }
      : {}),
  };
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
