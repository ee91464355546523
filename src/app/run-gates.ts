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
  type GateSpec,
  type Policy,
  type TransitionPolicy,
} from '../domain/index.js';
import { evaluateGates } from '../gates/index.js';
import type { AppDeps } from './app-deps.js';
import type { EvidenceBundleLoader, Repositories } from './ports.js';

export interface GateRun {
  gates: GateResult[];
  evidence: EvidenceItem[];
  evidenceDigest: string;
  baseline?: { version: string; evidenceDigest: string; evidence: EvidenceItem[] };
}

/** Columns the gates read from predictions besides label and score (fairness attributes). */
function groupColumnsFor(gates: readonly GateSpec[]): string[] {
  return [...new Set(gates.flatMap((g) => (g.type === 'fairness' ? [g.attribute] : [])))];
}

function toItem(record: EvidenceItem): EvidenceItem {
  return { kind: record.kind, path: record.path, digest: record.digest, size: record.size };
}

/** Loads stored evidence and evaluates gates: the pure part that replay repeats. */
export async function evaluateStoredGates(input: {
  loader: EvidenceBundleLoader;
  policy: Policy;
  transition: TransitionPolicy;
  candidate: readonly EvidenceRecord[];
  baseline?: readonly EvidenceRecord[] | undefined;
  bypass: readonly string[];
}): Promise<GateResult[]> {
  const { policy, transition, loader } = input;
  const evaluationSet = policy.evaluationSet;
  const setOption = evaluationSet ? { evaluationSet } : {};
  const groupColumns = groupColumnsFor(transition.gates);
  const candidate = await loader.load(input.candidate, { ...setOption, groupColumns });
  const baseline = input.baseline
    ? await loader.load(input.baseline, { ...setOption, groupColumns: [] })
    : undefined;
  return evaluateGates(
    transition.gates,
    { candidate, ...(baseline ? { baseline } : {}), ...setOption },
    { bypass: [...input.bypass] },
  );
}

export async function runGates(
  deps: Pick<AppDeps, 'evidenceLoader'>,
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
  const gates = await evaluateStoredGates({
    loader: deps.evidenceLoader,
    policy: input.policy,
    transition: input.transition,
    candidate: records,
    baseline: baselineRecords,
    bypass: input.bypass,
  });
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
