import type { ComparisonOp } from '../domain/policy.js';
import type { WindowBounds } from './windows.js';

/** A window's verdict for one trigger (Argo's phases); `skipped` is a missing window under `ignore`. */
export type WindowVerdict = 'pass' | 'fail' | 'inconclusive' | 'error' | 'skipped';

/** What was measured in a window, for the audit log and the rollout page. */
export interface WindowObservation {
  /** How the value was computed: `rate`, `mean`, `p95`, `relative rate (Katz log CI)`, `psi`, … */
  statistic: string;
  /** The number compared with the threshold (for relative triggers, the interval's bound). */
  value?: number;
  candidate?: number;
  control?: number;
  /** (candidate − control) / control and its two-sided interval. */
  estimate?: number;
  interval?: [number, number];
  /** Burn rate over the long window (the short one is `value`). */
  longValue?: number;
  samples: { candidate: number; control?: number };
}

export interface WindowResult {
  /** Position of the trigger in the rollout's `triggers`. */
  trigger: number;
  metric: string;
  window: WindowBounds;
  decidedAt: number;
  verdict: WindowVerdict;
  /** Why: the data judged it, data was missing, too few samples, or it could not be evaluated. */
  basis: 'data' | 'missing' | 'minSamples' | 'invalid';
  observed: WindowObservation;
  op: ComparisonOp;
  threshold: number;
  /** One sentence for people. */
  explanation: string;
}

export function compare(value: number, op: ComparisonOp, threshold: number): boolean {
  switch (op) {
    case '>=':
      return value >= threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '<':
      return value < threshold;
  }
}
