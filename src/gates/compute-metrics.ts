/**
 * Metrics recomputed from predictions on the locked evaluation set. Gates use these, never the
 * self-reported numbers of a metrics file, whenever predictions are given (DESIGN §2).
 */

import { findPredictionMetric, type PredictionTable } from '../domain/index.js';
import type { ConfusionMetrics } from '../stats/index.js';
import { confusionAt, ksStatistic, regressionErrors, rocAuc } from '../stats/index.js';

/** Metric name → value; `undefined` when the metric is undefined on these rows (e.g. no positives). */
export type PredictionMetricValues = Record<string, number | undefined>;

/** The score column of the candidate, or of the production baseline when the table carries one. */
function scoresOf(
  table: PredictionTable,
  which: 'candidate' | 'baseline',
): Float64Array | undefined {
  return which === 'candidate' ? table.scores : table.baselineScores;
}

/** Threshold metrics from a confusion matrix; `selection_rate` is the share predicted positive. */
export function confusionMetricValues(c: ConfusionMetrics): Record<string, number> {
  const total = c.tp + c.fp + c.tn + c.fn;
  return {
    accuracy: c.accuracy,
    precision: c.precision,
    recall: c.recall,
    sensitivity: c.recall,
    specificity: c.specificity,
    fpr: c.fpr,
    f1: c.f1,
    selection_rate: total === 0 ? Number.NaN : (c.tp + c.fp) / total,
  };
}

/**
 * Every prediction metric of the table's task, with NaN where undefined. Callers check that the
 * table has labels or targets and the requested score column; a table without them is a bug.
 */
export function rawPredictionMetrics(
  table: PredictionTable,
  threshold: number,
  which: 'candidate' | 'baseline',
): Record<string, number> {
  const scores = scoresOf(table, which);
  if (scores === undefined) {
    throw new Error(`The predictions in ${table.source} have no ${which} score column.`);
  }
  if (table.labels !== undefined) {
    const labels = table.labels;
    return {
      auc: rocAuc(labels, scores),
      ks: ksStatistic(labels, scores).statistic,
      ...confusionMetricValues(confusionAt(labels, scores, threshold)),
    };
  }
  if (table.targets !== undefined) {
    return { ...regressionErrors(table.targets, scores) };
  }
  throw new Error(`The predictions in ${table.source} have neither labels nor targets.`);
}

/**
 * The metrics of `predictionMetrics` (src/domain/metrics.ts) for the table's task, computed from
 * the candidate's scores or the baseline score column. A metric that is undefined on these rows
 * (NaN, e.g. precision with no predicted positives) is reported as `undefined`, never as 0.
 */
export function computePredictionMetrics(
  table: PredictionTable,
  threshold: number,
  which: 'candidate' | 'baseline',
): PredictionMetricValues {
  const raw = rawPredictionMetrics(table, threshold, which);
  const values: PredictionMetricValues = {};
  for (const [name, value] of Object.entries(raw)) {
    if (findPredictionMetric(name) === undefined) continue;
    values[name] = Number.isNaN(value) ? undefined : value;
  }
  return values;
}

/** Why a table cannot give `metric`, or undefined when it can. */
export function unsupportedReason(table: PredictionTable, metric: string): string | undefined {
  const known = findPredictionMetric(metric);
  if (known === undefined) return `${metric} is not a prediction metric`;
  if (known.task === 'binary-classification' && table.labels === undefined) {
    return `${metric} needs 0/1 labels but ${table.source} has regression targets`;
  }
  if (known.task === 'regression' && table.targets === undefined) {
    return `${metric} needs regression targets but ${table.source} has 0/1 labels`;
  }
  return undefined;
}
