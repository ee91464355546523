import type { ChangeType, CheckDecision, EvidenceItem, GateResult } from '../domain/index.js';

/** Everything `clearance check` decided and on what: enough to reproduce the decision. */
export interface CheckReport {
  decision: 'allowed' | 'denied';
  /** Why, in one sentence. */
  summary: string;
  policy: { name: string; file: string; digest: string };
  transition: { from: string; to: string; changeType: ChangeType };
  evidence: {
    candidate: { root: string; items: EvidenceItem[] };
    baseline?: { root: string; items: EvidenceItem[] };
  };
  gates: GateResult[];
  approvalsRequired: CheckDecision['approvalsRequired'];
  separationOfDuties: CheckDecision['separationOfDuties'];
  ticket: CheckDecision['ticket'];
  reasonRequired: boolean;
  bypassedGates: string[];
  /** Refusals that are not gate results, e.g. an experiment aimed past its furthest state. */
  refusals: string[];
}

/** JSON with NaN and ±Infinity as null, so every consumer can parse it. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
    2,
  );
}
