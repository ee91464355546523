import { assertScores, ROW_MASK, type ScoreOrder, sortScores, tieGroupEnd } from './score-order.js';
import { borrowScratch } from './scratch.js';

export interface KsResult {
  statistic: number;
  threshold: number;
}

/**
 * KS distance between class score distributions from a precomputed ascending order with integer
 * multiplicities (bootstrap weights): the largest gap between the classes' empirical CDFs, checked
 * after each tie group. The hot loop of the bootstrap: class totals come from one sequential pass,
 * the walk keeps integer counts (exact) and reads tie-group ends instead of comparing scores. The
 * label test is a mask (−label >> 31: 0 or all ones), not a branch, since labels are random in
 * score order; and while the total weight fits in 31 bits (always, for a bootstrap resample of at
 * most 2^31 − 1 rows) the counts are kept as int32 (`| 0`), which V8 adds without float
 * conversions: ~30% faster per walk, measured, and the same integers, so the same result.
 */
function weightedKsFromOrder(
  labels: Uint8Array,
  order: Uint32Array,
  groupEnds: Uint32Array,
  weights: Uint32Array,
): number {
  let positives = 0;
  let all = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    all += w;
    positives += labels[i] === 0 ? 0 : w;
  }
  const negatives = all - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  if (all > 0x7fffffff)
    return wideKsWalk({ labels, order, groupEnds, weights, positives, negatives });
  let posBelow = 0;
  let allBelow = 0;
  let best = 0;
  let k = 0;
  for (let g = 0; g < groupEnds.length; g++) {
    const end = groupEnds[g]!;
    for (; k < end; k++) {
      const row = order[k]!;
      const w = weights[row]! | 0;
      allBelow = (allBelow + w) | 0;
      posBelow = (posBelow + (w & (-labels[row]! >> 31))) | 0;
    }
    const gap = Math.abs((allBelow - posBelow) / negatives - posBelow / positives);
    if (gap > best) best = gap;
  }
  return best;
}

/** The same walk with counts as doubles, for weights whose total does not fit in 31 bits. */
function wideKsWalk(input: {
  labels: Uint8Array;
  order: Uint32Array;
  groupEnds: Uint32Array;
  weights: Uint32Array;
  positives: number;
  negatives: number;
}): number {
  const { labels, order, groupEnds, weights, positives, negatives } = input;
  let posBelow = 0;
  let allBelow = 0;
  let best = 0;
  let k = 0;
  for (let g = 0; g < groupEnds.length; g++) {
    const end = groupEnds[g]!;
    for (; k < end; k++) {
      const row = order[k]!;
      const w = weights[row]!;
      allBelow += w;
      posBelow += labels[row] === 0 ? 0 : w;
    }
    const gap = Math.abs((allBelow - posBelow) / negatives - posBelow / positives);
    if (gap > best) best = gap;
  }
  return best;
}

/**
 * Two-sample Kolmogorov–Smirnov statistic D = max |F_neg − F_pos| = max over thresholds of
 * |TPR − FPR|, equal to `scipy.stats.ks_2samp(...).statistic`. `threshold` is the lowest score t
 * at which "predicted positive iff score ≥ t" attains D (SciPy's `statistic_location` is the
 * largest score below it). NaN when a class is empty. O(n) after a radix argsort.
 */
export function ksStatistic(labels: Uint8Array, scores: Float64Array): KsResult {
  assertScores(labels, scores);
  const sorted = sortScores(scores, labels, borrowScratch(scores.length));
  const rows = sorted.rows;
  let positives = 0;
  for (let k = 0; k < rows.length; k++) positives += rows[k]! >>> 31;
  const negatives = rows.length - positives;
  if (positives === 0 || negatives === 0) return { statistic: Number.NaN, threshold: Number.NaN };
  let posBelow = 0;
  let best = 0;
  let bestAfter = 0;
  for (let k = 0; k < rows.length; ) {
    const end = tieGroupEnd(sorted, k);
    for (; k < end; k++) posBelow += rows[k]! >>> 31;
    const gap = Math.abs((end - posBelow) / negatives - posBelow / positives);
    if (gap > best) {
      best = gap;
      bestAfter = end;
    }
  }
  // The gap after the last group is 0, so a best group always has a successor.
  return { statistic: best, threshold: scores[rows[bestAfter]! & ROW_MASK]! };
}

/** Weighted KS for bootstrap replicates (`weights[i]` = multiplicity of row i); O(n) given `order`. */
export function weightedKs(
  labels: Uint8Array,
  scores: Float64Array,
  order: ScoreOrder,
  weights: Uint32Array,
): number {
  assertScores(labels, scores);
  if (weights.length !== scores.length) throw new RangeError('Weights need one entry per row.');
  return weightedKsFromOrder(labels, order.order, order.groupEnds, weights);
}

/**
 * KS distance of a resample from its counts per rank block and class (`countDrawnByBlock`), the
 * same number as `weightedKs` with the resample's weights. Why fewer steps give the same number:
 * within a block of one class, neg/N − pos/P only grows (negatives) or only falls (positives), so
 * its absolute value peaks at the block's ends; and two distinct gaps differ by at least 1/(N·P)
 * (N, P the class totals), far more than the few ulps of rounding in |neg/N − pos/P| while
 * N·P ≤ 2^48, so the largest rounded gap sits where the exact one does. The walk therefore ranks
 * block ends by the exact integer |neg·P − pos·N| and divides only where that reaches its running
 * maximum. Beyond the bound (blocks are then single tie groups) every gap is divided, as in
 * `weightedKs`. NaN when a class is empty.
 */
export function ksFromBlockCounts(
  counts: Int32Array,
  positives: number,
  negatives: number,
): number {
  if (positives === 0 || negatives === 0) return Number.NaN;
  if (positives * negatives > 2 ** 48)
    return dividedKsFromBlockCounts(counts, positives, negatives);
  let posBelow = 0;
  let negBelow = 0;
  let bestCross = 0;
  let best = 0;
  for (let c = 0; c < counts.length; c += 2) {
    negBelow += counts[c]!;
    posBelow += counts[c + 1]!;
    const cross = Math.abs(negBelow * positives - posBelow * negatives);
    if (cross >= bestCross) {
      const gap = Math.abs(negBelow / negatives - posBelow / positives);
      if (cross > bestCross || gap > best) best = gap;
      bestCross = cross;
    }
  }
  return best;
}

function dividedKsFromBlockCounts(
  counts: Int32Array,
  positives: number,
  negatives: number,
): number {
  let posBelow = 0;
  let negBelow = 0;
  let best = 0;
  for (let c = 0; c < counts.length; c += 2) {
    negBelow += counts[c]!;
    posBelow += counts[c + 1]!;
    const gap = Math.abs(negBelow / negatives - posBelow / positives);
    if (gap > best) best = gap;
  }
  return best;
}
