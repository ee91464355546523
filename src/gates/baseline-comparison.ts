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
  aucFromBlockCounts,
  bootstrapCi,
  countDrawnByBlock,
  delongPaired,
  ksFromBlockCounts,
  type RankBlocks,
  rankBlocks,
  regressionErrors,
  rocCurvePoints,
  twoProportionZTest,
  weightedConfusion,
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

type ResampleMetric = (scores: Float64Array, rows: Uint32Array) => number;

/**
 * AUC or KS of a resample, from the drawn rows counted per rank block and class of each score
 * column (its blocks computed once).
 */
function rankMetric(metric: 'auc' | 'ks', labels: Uint8Array): ResampleMetric {
  const columns = new Map<Float64Array, RankBlocks & { counts: Int32Array }>();
  const blocksOf = (scores: Float64Array) => {
    let column = columns.get(scores);
    if (column === undefined) {
      const blocks = rankBlocks(labels, scores);
      column = { ...blocks, counts: new Int32Array(2 * blocks.blocks) };
      columns.set(scores, column);
    }
    return column;
  };
  return (scores, rows) => {
    const { codes, counts } = blocksOf(scores);
    const positives = countDrawnByBlock(codes, rows, counts);
    return metric === 'auc'
      ? aucFromBlockCounts(counts)
      : ksFromBlockCounts(counts, positives, rows.length - positives);
  };
}

/** The metric as a function of the drawn rows, for one score column. */
function resampleMetric(metric: string, table: PredictionTable, threshold: number): ResampleMetric {
  const { labels, targets } = table;
  const n = table.scores.length;
  if (labels !== undefined) {
    if (metric === 'auc' || metric === 'ks') return rankMetric(metric, labels);
    return weighted(
      n,
      (scores, w) =>
        confusionMetricValues(weightedConfusion(labels, scores, threshold, w))[metric] ??
        Number.NaN,
    );
  }
  if (targets === undefined) return () => Number.NaN;
  // Regression errors need percentiles, so each resample is materialised, in row order (the
  // order the sums have always run in), into reused buffers.
  const t = new Float64Array(targets.length);
  const p = new Float64Array(targets.length);
  return weighted(n, (scores, w) => {
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
  });
}

/** A metric of multiplicity weights (how often each row was drawn) as one of the drawn rows. */
function weighted(
  n: number,
  metric: (scores: Float64Array, weights: Uint32Array) => number,
): ResampleMetric {
  const weights = new Uint32Array(n);
  return (scores, rows) => {
    weights.fill(0);
    for (let i = 0; i < rows.length; i++) weights[rows[i]!]!++;
    return metric(scores, weights);
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
  const metric = resampleMetric(spec.metric, table, threshold);
  const n = table.scores.length;
  const all = new Uint32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const candidate = metric(table.scores, all);
  const baseline = metric(baselineScores, all);
  const options = {
    n,
    statistic: (rows: Uint32Array) =>
      orient(direction, metric(table.scores, rows) - metric(baselineScores, rows)),
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
