import type { GateType } from './policy.js';

/** `error` (missing or malformed evidence, undefined metric) blocks exactly like `fail`. */
export const gateOutcomes = ['pass', 'fail', 'error'] as const;
export type GateOutcome = (typeof gateOutcomes)[number];

/**
 * Where a gate's number came from: `recomputed` by Clearance from raw data (predictions,
 * per-request samples), a `tool-summary` figure computed by a load-testing tool from its own raw
 * samples (k6, Locust), or `self-reported` (a number in metrics.json with nothing to recompute
 * it from). Every report format shows it, so a self-reported figure is never mistaken for a
 * measured one.
 */
export const gateProvenances = ['recomputed', 'tool-summary', 'self-reported'] as const;
export type GateProvenance = (typeof gateProvenances)[number];

export interface GateResult {
  gateId: string;
  type: GateType;
  outcome: GateOutcome;
  /** What was measured; a number, or a short text for non-numeric gates. `null` when not measurable. */
  observed: number | string | null;
  /** The bound it was held to, as written (`>= 0.75`, `lower 95% bound >= -0.01`). */
  threshold: string;
  /** One sentence a risk officer can read. */
  explanation: string;
  /** Every number behind the decision, for the decision record and replay. */
  details: Record<string, unknown>;
  /** Set by gates that judge a number; absent for gates that do not (documents, lineage). */
  provenance?: GateProvenance;
  /** True when a change type bypassed this gate (the outcome is still recorded). */
  bypassed?: boolean;
}

/**
 * `" (self-reported)"` or `" (tool summary)"` after an observed value, so every report format says
 * when a number was not recomputed by Clearance; empty for recomputed numbers and other gates.
 */
export function provenanceNote(result: GateResult): string {
  if (result.provenance === 'self-reported') return ' (self-reported)';
  if (result.provenance === 'tool-summary') return ' (tool summary)';
  return '';
}

export function blocks(result: GateResult): boolean {
  return result.outcome !== 'pass' && result.bypassed !== true;
}
