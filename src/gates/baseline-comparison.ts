/**
 * The paired comparisons behind the `baseline` gate, each oriented so that a positive
 * difference means the candidate is better.
 */
import type {
  BaselineGateSpec,
  MetricDirection,
  PredictionTable,
  RateMetric,
} from '../domain/index.js';
import {
  bootstrapCi,
  delongPaired,
  regressionErrors,
  rocCurvePoints,
  scoreOrder,
  twoProportionZTest,
  weightedAuc,
  weightedConfusion,
  weightedKs,
} from '../stats/index.js';
import { confusionMetricValues } from './compute-metrics.js';

export interface Comparison {
  test: 'delong' | 'bootstrap' | 'two-proportion';
  /** How the explanation names the interval: `DeLong`, `BCa bootstrap`, `two-proportion z`. */
  testLabel: string;
  candidate: number;
  baseline: number;
  /** Oriented difference (positive = better): absolute, or a relative lift for rates. */
  difference: number;
  ci: [number, number];
  /** Relative lift of a rate: margins apply as they are, not scaled by the baseline. */
  relativeLift: boolean;
  /** Everything the statistical test returned, unoriented, as the stats module computed it. */
  details: Record<string, unknown>;
  /** Which rows were compared and how they were matched. */
  rows?: Record<string, unknown>;
}

const orient = (direction: MetricDirection, d: number): number => (direction === 'higher' ? d : -d);
const orientCi = (direction: MetricDirection, ci: [number, number]): [number, number] =>
  direction === 'higher' ? ci : [-ci[1], -ci[0]];

/** DeLong's paired test of two AUCs on the same rows (DeLong et al. 1988). */
export function compareDelong(input: {
  labels: Uint8Array;
  candidate: Float64Array;
  baseline: Float64Array;
  confidence: number;
  direction: MetricDirection;
}): Comparison {
  const { labels, candidate, baseline, confidence, direction } = input;
  const r = delongPaired(labels, candidate, baseline, confidence);
  return {
    test: 'delong',
    testLabel: 'DeLong',
    candidate: r.aucA,
    baseline: r.aucB,
    difference: orient(direction, r.difference),
    ci: orientCi(direction, r.ci),
    relativeLift: false,
    // The curves, thinned, so a reader (the web UI's version page) can draw what was compared.
    details: {
      ...r,
      roc: {
        candidate: rocCurvePoints(labels, candidate),
        baseline: rocCurvePoints(labels, baseline),
      },
    },
  };
}

type WeightedMetric = (scores: Float64Array, weights: Uint32Array) => number;

/** The metric as a function of resample weights (multiplicities), for one score column. */
function weightedMetric(metric: string, table: PredictionTable, threshold: number): WeightedMetric {
  const { labels, targets } = table;
  if (labels !== undefined) {
    if (metric === 'auc' || metric === 'ks') {
      const orders = new Map<Float64Array, ReturnType<typeof scoreOrder>>();
      const orderOf = (s: Float64Array) => orders.get(s) ?? orders.set(s, scoreOrder(s)).get(s)!;
      const f = metric === 'auc' ? weightedAuc : weightedKs;
      return (scores, w) => f(labels, scores, orderOf(scores), w);
    }
    return (scores, w) =>
      confusionMetricValues(weightedConfusion(labels, scores, threshold, w))[metric] ?? Number.NaN;
  }
  if (targets === undefined) return () => Number.NaN;
  // Regression errors need percentiles, so each resample is materialised into reused buffers.
  const t = new Float64Array(targets.length);
  const p = new Float64Array(targets.length);
  return (scores, w) => {
    let k = 0;
    for (let i = 0; i < w.length; i++) {
      for (let c = w[i] ?? 0; c > 0; c--) {
        t[k] = targets[i] ?? Number.NaN;
        p[k] = scores[i] ?? Number.NaN;
        k++;
      }
    }
    const errors = regressionErrors(t.subarray(0, k), p.subarray(0, k));
    return errors[metric as keyof typeof errors] ?? Number.NaN;
  };
}

/**
 * Paired bootstrap of the oriented difference: both models are scored on the same resampled
 * rows; stratified by label for classification so every resample keeps the class balance.
 */
export function compareBootstrap(input: {
  spec: BaselineGateSpec;
  direction: MetricDirection;
  table: PredictionTable;
  baselineScores: Float64Array;
  threshold: number;
}): Comparison {
  const { spec, direction, table, baselineScores, threshold } = input;
  const metric = weightedMetric(spec.metric, table, threshold);
  const ones = new Uint32Array(table.scores.length).fill(1);
  const candidate = metric(table.scores, ones);
  const baseline = metric(baselineScores, ones);
  const options = {
    n: table.scores.length,
    statistic: (w: Uint32Array) =>
      orient(direction, metric(table.scores, w) - metric(baselineScores, w)),
    resamples: spec.resamples,
    confidence: spec.confidence,
    seed: spec.seed,
    ...(table.labels !== undefined ? { strata: table.labels } : {}),
  };
  let result = bootstrapCi({ ...options, method: 'bca' });
  let fallback: string | undefined;
  if (!result.ci.every(Number.isFinite) && Number.isFinite(result.estimate)) {
    // BCa is undefined when the jackknife has no spread (e.g. identical models: the difference
    // is the same on every resample); the percentile interval is then the honest answer.
    fallback = 'BCa undefined (no jackknife spread); percentile interval used';
    result = bootstrapCi({ ...options, method: 'percentile' });
  }
  return {
    test: 'bootstrap',
    testLabel: result.method === 'bca' ? 'BCa bootstrap' : 'percentile bootstrap',
    candidate,
    baseline,
    difference: result.estimate,
    ci: result.ci,
    relativeLift: false,
    details: {
      ...result,
      stratified: table.labels !== undefined,
      ...(fallback ? { fallback } : {}),
    },
  };
}

/** Two-proportion z test of rates (successes / trials) such as CTR; relative uses the lift CI. */
export function compareRates(input: {
  spec: BaselineGateSpec;
  direction: MetricDirection;
  candidate: RateMetric;
  baseline: RateMetric;
}): Comparison {
  const { spec, direction, candidate, baseline } = input;
  const r = twoProportionZTest({
    successesA: candidate.successes,
    trialsA: candidate.trials,
    successesB: baseline.successes,
    trialsB: baseline.trials,
    confidence: spec.confidence,
  });
  const raw = spec.relative ? r.relativeLift : r.difference;
  const ci = spec.relative ? r.relativeLiftCi : r.differenceCi;
  return {
    test: 'two-proportion',
    testLabel: spec.relative ? 'two-proportion (Katz log)' : 'two-proportion Wald',
    candidate: r.rateA,
    baseline: r.rateB,
    difference: orient(direction, raw),
    ci: orientCi(direction, ci),
    relativeLift: spec.relative,
    details: { ...r, candidateCounts: candidate, baselineCounts: baseline },
  };
}
