import { assertScores } from './score-order.js';

/** Counts and rates at one decision threshold; a rate with a zero denominator is NaN, never 0. */
export interface ConfusionMetrics {
  threshold: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  accuracy: number;
  precision: number;
  recall: number;
  specificity: number;
  fpr: number;
  f1: number;
}

const ratio = (num: number, den: number): number => (den === 0 ? Number.NaN : num / den);

/**
 * Rates from confusion counts with sklearn's formulas (`precision_recall_fscore_support`:
 * F1 = 2·TP / (2·TP + FP + FN)), except that 0/0 is NaN rather than sklearn's `zero_division`.
 */
function confusionMetrics(counts: {
  threshold: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}): ConfusionMetrics {
  const { threshold, tp, fp, tn, fn } = counts;
  return {
    threshold,
    tp,
    fp,
    tn,
    fn,
    accuracy: ratio(tp + tn, tp + fp + tn + fn),
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    specificity: ratio(tn, tn + fp),
    fpr: ratio(fp, fp + tn),
    f1: ratio(2 * tp, 2 * tp + fp + fn),
  };
}

function countAt(
  labels: Uint8Array,
  scores: Float64Array,
  threshold: number,
  weights?: Uint32Array,
): ConfusionMetrics {
  assertScores(labels, scores);
  if (Number.isNaN(threshold)) throw new RangeError('Threshold is NaN; pass a number.');
  let tp = 0;
  let fp = 0;
  let positives = 0;
  let total = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (Number.isNaN(s)) throw new RangeError(`Score at row ${i} is NaN; drop or impute it first.`);
    const w = weights === undefined ? 1 : weights[i]!;
    const positive = labels[i] !== 0;
    total += w;
    if (positive) positives += w;
    if (s >= threshold) {
      if (positive) tp += w;
      else fp += w;
    }
  }
  const fn = positives - tp;
  const tn = total - positives - fp;
  return confusionMetrics({ threshold, tp, fp, tn, fn });
}

/**
 * Confusion counts and rates with "predicted positive iff score ≥ threshold" (labels: non-zero is
 * positive), matching sklearn's `confusion_matrix`, `precision_score`, `recall_score`, `f1_score`
 * and `accuracy_score` on `scores >= threshold`.
 */
export function confusionAt(
  labels: Uint8Array,
  scores: Float64Array,
  threshold: number,
): ConfusionMetrics {
  return countAt(labels, scores, threshold);
}

/** `confusionAt` on a bootstrap resample given as multiplicities (`weights[i]` copies of row i). */
export function weightedConfusion(
  labels: Uint8Array,
  scores: Float64Array,
  threshold: number,
  weights: Uint32Array,
): ConfusionMetrics {
  if (weights.length !== scores.length) throw new RangeError('Weights need one entry per row.');
  return countAt(labels, scores, threshold, weights);
}

/**
 * One pass at "predicted positive iff score ≥ threshold" that counts, per group code, what
 * `fairnessFromTally` reads (rows, positives, predicted positives, TP, FP; one group when `groups`
 * is absent), and the confusion metrics, which are sums of those integer counts: the same numbers
 * as `confusionAt` and `fairnessReport` on the predictions, without a predictions array.
 */
export function tallyAtThreshold(input: {
  labels: Uint8Array;
  scores: Float64Array;
  threshold: number;
  groups?: { values: string[]; codes: Uint8Array | Uint16Array | Uint32Array };
}): { confusion: ConfusionMetrics; tally: Float64Array } {
  const { labels, scores, threshold, groups } = input;
  assertScores(labels, scores);
  if (Number.isNaN(threshold)) throw new RangeError('Threshold is NaN; pass a number.');
  const codes = groups?.codes;
  if (codes !== undefined && codes.length !== labels.length) {
    throw new RangeError('Labels, predictions and group codes must have one entry per row.');
  }
  const count = groups === undefined ? 1 : groups.values.length;
  const tally = new Float64Array(count * 5);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (Number.isNaN(s)) throw new RangeError(`Score at row ${i} is NaN; drop or impute it first.`);
    const g = codes === undefined ? 0 : codes[i]!;
    if (g >= count) throw new RangeError(`Group code ${g} at row ${i} has no value.`);
    const y = labels[i] !== 0;
    tally[g * 5]!++;
    if (y) tally[g * 5 + 1]!++;
    if (s >= threshold) {
      tally[g * 5 + 2]!++;
      tally[g * 5 + (y ? 3 : 4)]!++;
    }
  }
  let total = 0;
  let positives = 0;
  let tp = 0;
  let fp = 0;
  for (let g = 0; g < count; g++) {
    total += tally[g * 5]!;
    positives += tally[g * 5 + 1]!;
    tp += tally[g * 5 + 3]!;
    fp += tally[g * 5 + 4]!;
  }
  const fn = positives - tp;
  const tn = total - positives - fp;
  return { confusion: confusionMetrics({ threshold, tp, fp, tn, fn }), tally };
}
