import { normalQuantile } from '../stats/index.js';

/** (candidate − control) / control with its two-sided interval at the given confidence. */
export interface RelativeChange {
  estimate: number;
  interval: [number, number];
  method: 'katz-log' | 'delta-log-means' | 'order-statistics';
}

const twoSidedZ = (confidence: number): number => normalQuantile(1 - (1 - confidence) / 2);

/**
 * Relative change of two independent proportions by Katz et al. (1978)'s log interval:
 * log(p̂A/p̂B) ± z·√(1/xA − 1/nA + 1/xB − 1/nB), as `scipy.stats.contingency.relative_risk`.
 * When either count of successes is 0 the log is undefined; 0.5 is then added to each successes
 * and each trials count (Haldane–Anscombe), so a window with no errors on one arm still has a
 * finite, wide interval. Undefined (NaN) only when the control has no trials.
 */
export function relativeRateChange(input: {
  candidate: { successes: number; trials: number };
  control: { successes: number; trials: number };
  confidence: number;
}): RelativeChange {
  const zeroes = input.candidate.successes === 0 || input.control.successes === 0;
  const pad = zeroes ? 0.5 : 0;
  const xA = input.candidate.successes + pad;
  const nA = input.candidate.trials + pad;
  const xB = input.control.successes + pad;
  const nB = input.control.trials + pad;
  const ratio = xA / nA / (xB / nB);
  const se = Math.sqrt(1 / xA - 1 / nA + 1 / xB - 1 / nB);
  const z = twoSidedZ(input.confidence);
  return {
    estimate: ratio - 1,
    interval: [ratio * Math.exp(-z * se) - 1, ratio * Math.exp(z * se) - 1],
    method: 'katz-log',
  };
}

function meanAndVariance(values: Float64Array): { mean: number; variance: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { mean, variance: squares / (values.length - 1) };
}

/**
 * Relative change of two independent means by the delta method on the log ratio:
 * log(m̄A/m̄B) ± z·√(sA²/(nA·m̄A²) + sB²/(nB·m̄B²)), sample variances with n − 1. Needs both
 * means positive (latencies, absolute errors) and at least two values per arm; NaN otherwise.
 */
export function relativeMeanChange(input: {
  candidate: Float64Array;
  control: Float64Array;
  confidence: number;
}): RelativeChange {
  const a = meanAndVariance(input.candidate);
  const b = meanAndVariance(input.control);
  const method = 'delta-log-means' as const;
  if (!(a.mean > 0 && b.mean > 0) || input.candidate.length < 2 || input.control.length < 2) {
    return { estimate: Number.NaN, interval: [Number.NaN, Number.NaN], method };
  }
  const ratio = a.mean / b.mean;
  const se = Math.sqrt(
    a.variance / (input.candidate.length * a.mean ** 2) +
      b.variance / (input.control.length * b.mean ** 2),
  );
  const z = twoSidedZ(input.confidence);
  return {
    estimate: ratio - 1,
    interval: [ratio * Math.exp(-z * se) - 1, ratio * Math.exp(z * se) - 1],
    method,
  };
}

/**
 * Distribution-free interval of the q-quantile from order statistics, with the normal
 * approximation of the binomial ranks: ranks nq ∓ z√(nq(1−q)), widened outward; an end that falls
 * outside the sample is infinite.
 */
function quantileInterval(sorted: Float64Array, q: number, z: number): [number, number] {
  const n = sorted.length;
  const spread = z * Math.sqrt(n * q * (1 - q));
  const lo = Math.floor(n * q - spread); // 1-based rank
  const hi = Math.ceil(n * q + spread) + 1;
  return [
    lo >= 1 ? sorted[lo - 1]! : Number.NEGATIVE_INFINITY,
    hi <= n ? sorted[hi - 1]! : Number.POSITIVE_INFINITY,
  ];
}

/**
 * Relative change of a percentile: each arm's order-statistic interval at confidence
 * 1 − (1 − c)/2 (Bonferroni, so both hold together with probability ≥ c), combined as
 * [loA/hiB − 1, hiA/loB − 1]. Conservative. The values must be non-negative (latencies, errors);
 * an interval end outside a small sample makes the ratio's end −1 or +∞, so it cannot fire.
 */
export function relativePercentileChange(input: {
  candidate: Float64Array;
  control: Float64Array;
  q: number;
  estimate: number;
  confidence: number;
}): RelativeChange {
  const z = twoSidedZ(1 - (1 - input.confidence) / 2);
  const sortedA = Float64Array.from(input.candidate).sort();
  const sortedB = Float64Array.from(input.control).sort();
  const method = 'order-statistics' as const;
  if (!(sortedA[0]! >= 0 && sortedB[0]! >= 0)) {
    return { estimate: input.estimate, interval: [Number.NaN, Number.NaN], method };
  }
  const [loA, hiA] = quantileInterval(sortedA, input.q / 100, z);
  const [loB, hiB] = quantileInterval(sortedB, input.q / 100, z);
  const lower = Number.isFinite(hiB) ? Math.max(loA, 0) / hiB - 1 : -1;
  const upper = loB > 0 ? hiA / loB - 1 : Number.POSITIVE_INFINITY;
  return { estimate: input.estimate, interval: [lower, upper], method };
}
