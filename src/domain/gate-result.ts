import type { GateType } from './policy.js';

/** `error` (missing or malformed evidence, undefined metric) blocks exactly like `fail`. */
export type GateOutcome = 'pass' | 'fail' | 'error';

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
  /** True when a change type bypassed this gate (the outcome is still recorded). */
  bypassed?: boolean;
}

export function blocks(result: GateResult): boolean {
  return result.outcome !== 'pass' && result.bypassed !== true;
}
