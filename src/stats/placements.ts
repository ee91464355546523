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
  ks: {
    statistic: number;
    after: number;
    /** The entry (`SortedScores.rows`) at sorted position `after`. */
    entry: number;
    /** That entry's sortable key (`SortedScores.hi`, `.lo`): its score, read without the row. */
    hi: number;
    lo: number;
  };
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
  let positives = 0;
  for (let k = 0; k < rows.length; k++) positives += rows[k]! >>> 31;
  const walk = new PlacementWalk({ positives, negatives: rows.length - positives, ...options });
  walk.segment(rows, hi, lo, rows.length);
  return walk.result();
}

/**
 * `walkPlacements` in segments: `segment` takes the next rows of the ascending order, as long as
 * no tie group spans two segments (a bucket of a most-significant-digit sort never splits one),
 * so a sort can walk each bucket while it is still in cache. Every sum is accumulated in the same
 * order as one walk over the whole order, so the result is the same bit for bit.
 */
export class PlacementWalk {
  readonly #m: number;
  readonly #n: number;
  readonly #store: Uint32Array | undefined;
  readonly #paired: boolean;
  readonly #meanPos: number;
  readonly #meanNeg: number;
  #posMean = 0;
  #posM2 = 0;
  #negMean = 0;
  #negM2 = 0;
  #crossPos = 0;
  #shiftPos = 0;
  #crossNeg = 0;
  #shiftNeg = 0;
  #negBelow = 0;
  #posBelow = 0;
  #twiceU = 0;
  #ksBest = 0;
  #ksAfter = 0;
  #ksEntry = 0;
  #ksHi = 0;
  #ksLo = 0;
  /** Whether the next group's first entry is the one at `#ksAfter` (true before the first). */
  #ksPending = true;

  constructor(input: { positives: number; negatives: number } & WalkOptions) {
    this.#m = input.positives;
    this.#n = input.negatives;
    this.#store = input.store;
    this.#paired = input.against !== undefined;
    this.#meanPos = input.against?.meanPos ?? 0;
    this.#meanNeg = input.against?.meanNeg ?? 0;
  }

  /** Walks `[0, length)` of the next segment of the order (entries as in `SortedScores`). */
  segment(rows: Uint32Array, hi: Uint32Array, lo: Uint32Array, length: number): void {
    const m = this.#m;
    const n = this.#n;
    const store = this.#store;
    const paired = this.#paired;
    const meanPos = this.#meanPos;
    const meanNeg = this.#meanNeg;
    // Imported bindings can compile to getters (e.g. under tsx); hot loops use locals.
    const mask = ROW_MASK;
    let posMean = this.#posMean;
    let posM2 = this.#posM2;
    let negMean = this.#negMean;
    let negM2 = this.#negM2;
    let crossPos = this.#crossPos;
    let shiftPos = this.#shiftPos;
    let crossNeg = this.#crossNeg;
    let shiftNeg = this.#shiftNeg;
    let negBelow = this.#negBelow;
    let posBelow = this.#posBelow;
    let twiceU = this.#twiceU;
    let ksBest = this.#ksBest;
    let ksAfter = this.#ksAfter;
    let ksEntry = this.#ksEntry;
    let ksHi = this.#ksHi;
    let ksLo = this.#ksLo;
    let ksPending = this.#ksPending;
    const offset = negBelow + posBelow;
    for (let k = 0; k < length; ) {
      const start = k;
      const h = hi[k]!;
      const l = lo[k]!;
      if (ksPending) {
        ksEntry = rows[k]!;
        ksHi = h;
        ksLo = l;
        ksPending = false;
      }
      let p = rows[k]! >>> 31;
      for (k++; k < length && hi[k] === h && lo[k] === l; k++) p += rows[k]! >>> 31;
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
        ksAfter = offset + k;
        ksPending = true;
      }
    }
    this.#posMean = posMean;
    this.#posM2 = posM2;
    this.#negMean = negMean;
    this.#negM2 = negM2;
    this.#crossPos = crossPos;
    this.#shiftPos = shiftPos;
    this.#crossNeg = crossNeg;
    this.#shiftNeg = shiftNeg;
    this.#negBelow = negBelow;
    this.#posBelow = posBelow;
    this.#twiceU = twiceU;
    this.#ksBest = ksBest;
    this.#ksAfter = ksAfter;
    this.#ksEntry = ksEntry;
    this.#ksHi = ksHi;
    this.#ksLo = ksLo;
    this.#ksPending = ksPending;
  }

  result(): Structural {
    const m = this.#m;
    const n = this.#n;
    const empty = m === 0 || n === 0;
    return {
      auc: empty ? Number.NaN : this.#twiceU / (2 * m * n),
      positives: { count: m, mean: this.#posMean, m2: this.#posM2 },
      negatives: { count: n, mean: this.#negMean, m2: this.#negM2 },
      cross: {
        pos: this.#crossPos,
        posShift: this.#shiftPos,
        neg: this.#crossNeg,
        negShift: this.#shiftNeg,
      },
      ks: {
        statistic: empty ? Number.NaN : this.#ksBest,
        after: this.#ksAfter,
        entry: this.#ksEntry,
        hi: this.#ksHi,
        lo: this.#ksLo,
      },
    };
  }
}

/** DeLong's variance of one AUC: S10/m + S01/n with pROC's denominators. */
export function varianceOf(s: Structural): number {
  return share(s.positives.m2, s.positives.count) + share(s.negatives.m2, s.negatives.count);
}
