import { ksStatistic, percentile } from '../stats/index.js';

/** Proportion used for an empty bin, so the logarithm stays finite. */
export const psiEpsilon = 1e-4;

/** First index i with edges[i] ≥ value (NumPy `searchsorted(side='left')`). */
function binOf(edges: Float64Array, value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function proportions(values: Float64Array, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (const v of values) counts[binOf(edges, v)]! += 1;
  return counts.map((c) => (c === 0 ? psiEpsilon : c / values.length));
}

/**
 * Population stability index of `live` against `baseline` over `bins` equal-frequency bins of the
 * baseline: inner edges at the baseline's 10th, 20th, … percentiles (NumPy linear), bins
 * right-closed ((−∞, e₁], (e₁, e₂], …, (e₉, ∞)), an empty bin's proportion replaced by ε = 1e-4;
 * PSI = Σ (live − base) · ln(live / base). NaN when either sample is empty.
 */
export function populationStabilityIndex(
  baseline: Float64Array,
  live: Float64Array,
  bins = 10,
): number {
  if (baseline.length === 0 || live.length === 0) return Number.NaN;
  const sorted = Float64Array.from(baseline).sort();
  const edges = new Float64Array(bins - 1);
  for (let i = 1; i < bins; i++) edges[i - 1] = percentile(sorted, (100 * i) / bins);
  const base = proportions(baseline, edges);
  const now = proportions(live, edges);
  let psi = 0;
  for (let i = 0; i < base.length; i++) psi += (now[i]! - base[i]!) * Math.log(now[i]! / base[i]!);
  return psi;
}

/**
 * Two-sample Kolmogorov–Smirnov statistic sup |F_baseline − F_live|, as
 * `scipy.stats.ks_2samp(...).statistic`, by the stats module's KS over a labelled union.
 */
export function ksDistance(baseline: Float64Array, live: Float64Array): number {
  if (baseline.length === 0 || live.length === 0) return Number.NaN;
  const labels = new Uint8Array(baseline.length + live.length);
  labels.fill(1, baseline.length);
  const scores = new Float64Array(labels.length);
  scores.set(baseline);
  scores.set(live, baseline.length);
  return ksStatistic(labels, scores).statistic;
}
