import { ROW_MASK, type SortedScores } from './score-order.js';

/** Count, mean and sum of squared deviations of one class's placements. */
export interface Moments {
  count: number;
  mean: number;
  m2: number;
}

/** Per class: DeLong's S10 or S01 contribution, Σ(V − θ)²/(k(k−1)), pROC's n−1 denominator. */
export const share = (sum: number, k: number): number => sum / ((k - 1) * k);

/** What one walk over a sorted score column yields. */
export interface Structural {
  auc: number;
  positives: Moments;
  negatives: Moments;
  /** Σ(a − μa)·b and Σ(a − μa) per class when walking B against A's stored placements. */
  cross: { pos: number; posShift: number; neg: number; negShift: number };
  /**
   * The two-sample KS distance max |F_neg − F_pos| over tie groups (NaN when a class is empty),
   * and the first sorted position after the tie group where it is reached.
   */
  ks: { statistic: number; after: number };
}

/** The most rows whose doubled placement numerators (≤ 2 · rows) fit in a sort's 31-bit tag. */
export const MAX_PAIRED_ROWS = 2 ** 30 - 1;

/**
 * What a walk does per row besides the moments. `store`: each row's placement as twice its
 * numerator, an integer, indexed by row: c = 2·(negatives below) + tied negatives for a positive
 * (V10 = c/2/n), 2·(positives below) + tied positives for a negative (V01 = 1 − c/2/m); c/2 is
 * exact, so the division gives the very double the walk computes, in 4 bytes instead of 8.
 * `against`: the sort carried those numerators as tags in place of the rows (`sortScores`), so
 * each row pairs with A's placement without a random read (paired DeLong's S12).
 */
export interface WalkOptions {
  store?: Uint32Array;
  against?: { meanPos: number; meanNeg: number };
}

/**
 * DeLong placements walked tie group by tie group on one radix order (Sun & Xu 2014): a positive
 * has TZ − TX = negatives below + ½·negatives tied, so V10 (and V01 for negatives) is constant per
 * group and the midrank vectors are never materialised. The KS distance falls out of the same
 * walk: after a group, F_neg − F_pos = negatives below / n − positives below / m.
 */
export function walkPlacements(sorted: SortedScores, options: WalkOptions = {}): Structural {
  const { rows, hi, lo } = sorted;
  const store = options.store;
  const paired = options.against !== undefined;
  const meanPos = options.against?.meanPos ?? 0;
  const meanNeg = options.against?.meanNeg ?? 0;
  // Imported bindings can compile to getters (e.g. under tsx); hot loops use locals.
  const mask = ROW_MASK;
  const total = rows.length;
  let m = 0;
  for (let k = 0; k < total; k++) m += rows[k]! >>> 31;
  const n = total - m;
  let posMean = 0;
  let posM2 = 0;
  let negMean = 0;
  let negM2 = 0;
  let crossPos = 0;
  let shiftPos = 0;
  let crossNeg = 0;
  let shiftNeg = 0;
  let negBelow = 0;
  let posBelow = 0;
  let twiceU = 0;
  let ksBest = 0;
  let ksAfter = 0;
  for (let k = 0; k < total; ) {
    const start = k;
    const h = hi[k]!;
    const l = lo[k]!;
    let p = rows[k]! >>> 31;
    for (k++; k < total && hi[k] === h && lo[k] === l; k++) p += rows[k]! >>> 31;
    const q = k - start - p;
    const v10 = (negBelow + q / 2) / n;
    const v01 = 1 - (posBelow + p / 2) / m;
    // Welford (1962), merging a block of equal values (Chan et al. 1979): O(1) per tie group
    // and the deviations stay centred.
    if (p > 0) {
      const d = v10 - posMean;
      posMean += (d * p) / (posBelow + p);
      posM2 += (d * d * posBelow * p) / (posBelow + p);
    }
    if (q > 0) {
      const d = v01 - negMean;
      negMean += (d * q) / (negBelow + q);
      negM2 += (d * d * negBelow * q) / (negBelow + q);
    }
    if (store !== undefined) {
      // Twice negBelow + q/2 and posBelow + p/2: the numerators of v10 and 1 − v01.
      // Both below 2^31; a row takes cPos or cNeg by a mask of its label bit, not a branch.
      const cPos = 2 * negBelow + q;
      const cNeg = 2 * posBelow + p;
      const flip = cPos ^ cNeg;
      for (let j = start; j < k; j++) {
        const r = rows[j]!;
        store[r & mask] = cNeg ^ (flip & (r >> 31));
      }
    }
    if (paired) {
      // Rows carry A's stored numerators: A's placement is the same division as in A's walk.
      for (let j = start; j < k; j++) {
        const r = rows[j]!;
        const half = (r & mask) / 2;
        if (r >>> 31) {
          const a = half / n - meanPos;
          crossPos += a * v10;
          shiftPos += a;
        } else {
          const a = 1 - half / m - meanNeg;
          crossNeg += a * v01;
          shiftNeg += a;
        }
      }
    }
    twiceU += p * (2 * negBelow + q);
    negBelow += q;
    posBelow += p;
    const gap = Math.abs(negBelow / n - posBelow / m);
    if (gap > ksBest) {
      ksBest = gap;
      ksAfter = k;
    }
  }
  const empty = m === 0 || n === 0;
  return {
    auc: empty ? Number.NaN : twiceU / (2 * m * n),
    positives: { count: m, mean: posMean, m2: posM2 },
    negatives: { count: n, mean: negMean, m2: negM2 },
    cross: { pos: crossPos, posShift: shiftPos, neg: crossNeg, negShift: shiftNeg },
    ks: { statistic: empty ? Number.NaN : ksBest, after: ksAfter },
  };
}

/** DeLong's variance of one AUC: S10/m + S01/n with pROC's denominators. */
export function varianceOf(s: Structural): number {
  return share(s.positives.m2, s.positives.count) + share(s.negatives.m2, s.negatives.count);
}
