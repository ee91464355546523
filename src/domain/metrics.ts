import type { EvaluationTask, MetricDirection } from './policy.js';

/**
 * Metrics Clearance computes itself from predictions. When predictions are given, these are
 * recomputed, never taken from a self-reported metrics file.
 */
export interface KnownMetric {
  name: string;
  task: EvaluationTask;
  direction: MetricDirection;
  description: string;
}

const classification = (
  name: string,
  direction: MetricDirection,
  description: string,
): KnownMetric => ({ name, task: 'binary-classification', direction, description });
const regression = (
  name: string,
  direction: MetricDirection,
  description: string,
): KnownMetric => ({ name, task: 'regression', direction, description });

export const predictionMetrics: readonly KnownMetric[] = [
  classification('auc', 'higher', 'area under the ROC curve (ties count one half)'),
  classification('ks', 'higher', 'Kolmogorov–Smirnov statistic, max |TPR − FPR|'),
  classification('accuracy', 'higher', 'share of rows classified correctly at the threshold'),
  classification('precision', 'higher', 'TP / (TP + FP) at the decision threshold'),
  classification('recall', 'higher', 'TP / (TP + FN) at the decision threshold'),
  classification('sensitivity', 'higher', 'the same as recall'),
  classification('specificity', 'higher', 'TN / (TN + FP) at the decision threshold'),
  classification('fpr', 'lower', 'false-positive rate, FP / (FP + TN)'),
  classification('f1', 'higher', 'harmonic mean of precision and recall'),
  classification('selection_rate', 'lower', 'share of rows predicted positive'),
  regression('mae', 'lower', 'mean absolute error'),
  regression('rmse', 'lower', 'root mean squared error'),
  regression('mape', 'lower', 'mean absolute percentage error (rows with a zero target skipped)'),
  regression('p50_abs_error', 'lower', 'median absolute error'),
  regression('p90_abs_error', 'lower', '90th percentile of absolute error'),
  regression('p95_abs_error', 'lower', '95th percentile of absolute error'),
];

/** Self-reported operational metrics whose better direction is known. */
const lowerIsBetterReported = /(^|_)(latency|cost|error_rate|errors|fpr|fnr|mae|rmse|mape)(_|$)/;

export function findPredictionMetric(name: string): KnownMetric | undefined {
  return predictionMetrics.find((m) => m.name === name);
}

/**
 * The better direction of a metric: known for prediction metrics and for the conventional
 * operational names (`latency_*`, `cost_*`, `error_rate`); otherwise undefined and the policy
 * must say `direction:` explicitly.
 */
export function metricDirection(name: string): MetricDirection | undefined {
  const known = findPredictionMetric(name);
  if (known) return known.direction;
  if (lowerIsBetterReported.test(name)) return 'lower';
  if (/(^|_)(ctr|conversion|recall|precision|auc|accuracy|throughput)(_|$)/.test(name)) {
    return 'higher';
  }
  return undefined;
}
