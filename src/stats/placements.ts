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

/** What a walk does per row besides the moments: store placements, or pair with stored ones. */
export interface WalkOptions {
  store?: Float64Array;
  against?: { placements: Float64Array; meanPos: number; meanNeg: number };
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
  const other = options.against?.placements;
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
      for (let j = start; j < k; j++) {
        const r = rows[j]!;
        store[r & mask] = r >>> 31 ? v10 : v01;
      }
    }
    if (other !== undefined) {
      for (let j = start; j < k; j++) {
        const r = rows[j]!;
        const a = other[r & mask]!;
        if (r >>> 31) {
          crossPos += (a - meanPos) * v10;
          shiftPos += a - meanPos;
        } else {
          crossNeg += (a - meanNeg) * v01;
          shiftNeg += a - meanNeg;
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
