import {
  assertScores,
  type ScoreOrder,
  type SortedScores,
  sortScores,
  tieGroupEnd,
} from './score-order.js';
import { borrowScratch } from './scratch.js';

/** Exact AUC from a sorted run, as in `aucFromOrder` but with sequential memory access. */
function aucFromSorted(sorted: SortedScores): number {
  const rows = sorted.rows;
  let negativesBelow = 0;
  let positivesSeen = 0;
  let twiceU = 0;
  for (let k = 0; k < rows.length; ) {
    const end = tieGroupEnd(sorted, k);
    let p = 0;
    for (; k < end; k++) p += rows[k]! >>> 31;
    const q = end - (negativesBelow + positivesSeen) - p;
    twiceU += p * (2 * negativesBelow + q);
    negativesBelow += q;
    positivesSeen += p;
  }
  if (positivesSeen === 0 || negativesBelow === 0) return Number.NaN;
  return twiceU / (2 * positivesSeen * negativesBelow);
}

/**
 * AUC from a precomputed ascending order with integer multiplicities per row (bootstrap weights).
 * Each tie group contributes p·(2·negativesBelow + q), twice the Mann–Whitney U with ties counted
 * ½; all terms are integers below 2^53 for up to ~6·10^7 rows, so the sum is exact. Tie groups
 * come from `groupEnds`, and the label test is a select, not a branch (labels are random in
 * score order).
 */
function aucFromOrder(
  labels: Uint8Array,
  order: Uint32Array,
  groupEnds: Uint32Array,
  weights: Uint32Array,
): number {
  let negativesBelow = 0;
  let positivesSeen = 0;
  let twiceU = 0;
  let k = 0;
  for (let g = 0; g < groupEnds.length; g++) {
    const end = groupEnds[g]!;
    let all = 0;
    let p = 0;
    for (; k < end; k++) {
      const row = order[k]!;
      const w = weights[row]!;
      all += w;
      p += labels[row] === 0 ? 0 : w;
    }
    const q = all - p;
    twiceU += p * (2 * negativesBelow + q);
    negativesBelow += q;
    positivesSeen += p;
  }
  if (positivesSeen === 0 || negativesBelow === 0) return Number.NaN;
  return twiceU / (2 * positivesSeen * negativesBelow);
}

/**
 * ROC AUC as the Mann–Whitney statistic P(s⁺ > s⁻) + ½·P(s⁺ = s⁻), equal to the trapezoidal area
 * of `sklearn.metrics.roc_auc_score`. Labels: non-zero is positive. NaN when a class is empty.
 * O(n) after a radix argsort.
 */
export function rocAuc(labels: Uint8Array, scores: Float64Array): number {
  assertScores(labels, scores);
  const n = scores.length;
  return aucFromSorted(sortScores(scores, labels, borrowScratch(n)));
}

/**
 * Weighted AUC for bootstrap replicates: `weights[i]` is how often row i appears in the resample,
 * so the result equals `rocAuc` on the expanded resample. O(n) given `order` from `scoreOrder`.
 */
export function weightedAuc(
  labels: Uint8Array,
  scores: Float64Array,
  order: ScoreOrder,
  weights: Uint32Array,
): number {
  assertScores(labels, scores);
  if (weights.length !== scores.length) throw new RangeError('Weights need one entry per row.');
  return aucFromOrder(labels, order.order, order.groupEnds, weights);
}

/**
 * AUC of a resample from its counts per rank block and class (`countDrawnByBlock`): the same
 * integer sum as `weightedAuc`, so the same number. A block of one class adds what its tie groups
 * add one by one: negatives add nothing to U, and positives all see the same negatives below.
 */
export function aucFromBlockCounts(counts: Int32Array): number {
  let negativesBelow = 0;
  let positivesSeen = 0;
  let twiceU = 0;
  for (let c = 0; c < counts.length; c += 2) {
    const q = counts[c]!;
    const p = counts[c + 1]!;
    twiceU += p * (2 * negativesBelow + q);
    negativesBelow += q;
    positivesSeen += p;
  }
  if (positivesSeen === 0 || negativesBelow === 0) return Number.NaN;
  return twiceU / (2 * positivesSeen * negativesBelow);
}
