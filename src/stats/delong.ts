import { normalCdf, normalQuantile } from './normal.js';
import {
  assertScores,
  ROW_MASK,
  SORT_BYTES_PER_ROW,
  type SortedScores,
  sortScores,
} from './score-order.js';
import { borrowScratch } from './scratch.js';

export interface DelongAuc {
  auc: number;
  variance: number;
  se: number;
  positives: number;
  negatives: number;
}

export interface DelongComparison {
  aucA: number;
  aucB: number;
  /** aucA − aucB */
  difference: number;
  varianceA: number;
  varianceB: number;
  covariance: number;
  variance: number;
  se: number;
  z: number;
  /** Two-sided. */
  pValue: number;
  confidence: number;
  /** Confidence interval of aucA − aucB. */
  ci: [number, number];
}

/** Count, mean and sum of squared deviations of one class's placements. */
interface Moments {
  count: number;
  mean: number;
  m2: number;
}

/** Per class: DeLong's S10 or S01 contribution, Σ(V − θ)²/(k(k−1)), pROC's n−1 denominator. */
const share = (sum: number, k: number): number => sum / ((k - 1) * k);

interface Structural {
  auc: number;
  positives: Moments;
  negatives: Moments;
  /** Σ(a − μa)·b and Σ(a − μa) per class when walking B against A's stored placements. */
  cross: { pos: number; posShift: number; neg: number; negShift: number };
}

/** What a walk does per row besides the moments: store placements, or pair with stored ones. */
interface WalkOptions {
  store?: Float64Array;
  against?: { placements: Float64Array; meanPos: number; meanNeg: number };
}

/**
 * DeLong placements walked tie group by tie group on one radix order (Sun & Xu 2014): a positive
 * has TZ − TX = negatives below + ½·negatives tied, so V10 (and V01 for negatives) is constant per
 * group and the midrank vectors are never materialised.
 */
function walkPlacements(sorted: SortedScores, options: WalkOptions = {}): Structural {
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
  }
  return {
    auc: m === 0 || n === 0 ? Number.NaN : twiceU / (2 * m * n),
    positives: { count: m, mean: posMean, m2: posM2 },
    negatives: { count: n, mean: negMean, m2: negM2 },
    cross: { pos: crossPos, posShift: shiftPos, neg: crossNeg, negShift: shiftNeg },
  };
}

function varianceOf(s: Structural): number {
  return share(s.positives.m2, s.positives.count) + share(s.negatives.m2, s.negatives.count);
}

function assertConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`Confidence must be in (0, 1), got ${confidence}.`);
  }
}

/**
 * AUC with DeLong, DeLong & Clarke-Pearson (1988) variance, computed by the O(n log n) algorithm
 * of Sun & Xu (2014, IEEE SPL 21(11)) on a radix order, so O(n) here. Equals pROC's
 * `var(roc, method = "delong")`. Needs ≥ 2 rows per class for a finite variance.
 */
export function delongAuc(labels: Uint8Array, scores: Float64Array): DelongAuc {
  assertScores(labels, scores);
  const scratch = borrowScratch(scores.length);
  const s = walkPlacements(sortScores(scores, labels, scratch));
  const variance = varianceOf(s);
  return {
    auc: s.auc,
    variance,
    se: Math.sqrt(variance),
    positives: s.positives.count,
    negatives: s.negatives.count,
  };
}

/**
 * S12 of the paired test. A's placements are stored per row; B's stream past in B's order and
 * Σ(a−μa)(b−μb) = Σ(a−μa)·b − μb·Σ(a−μa), which avoids storing B and keeps deviations centred.
 */
function pairedMoments(labels: Uint8Array, scoresA: Float64Array, scoresB: Float64Array) {
  const total = labels.length;
  const scratch = borrowScratch(total);
  const placements = new Float64Array(scratch, SORT_BYTES_PER_ROW * total, total);
  const a = walkPlacements(sortScores(scoresA, labels, scratch), { store: placements });
  const against = { placements, meanPos: a.positives.mean, meanNeg: a.negatives.mean };
  const b = walkPlacements(sortScores(scoresB, labels, scratch), { against });
  const { pos, posShift, neg, negShift } = b.cross;
  const covariance =
    share(pos - b.positives.mean * posShift, a.positives.count) +
    share(neg - b.negatives.mean * negShift, a.negatives.count);
  return { a, b, covariance };
}

/**
 * DeLong Wald interval AUC ± z₁₋α/₂·SE, clipped to [0, 1] like pROC's `ci.auc(method = "delong")`.
 */
export function delongAucCi(
  labels: Uint8Array,
  scores: Float64Array,
  confidence = 0.95,
): DelongAuc & { confidence: number; ci: [number, number] } {
  assertConfidence(confidence);
  const result = delongAuc(labels, scores);
  const lower = result.auc + normalQuantile((1 - confidence) / 2) * result.se;
  const upper = result.auc + normalQuantile(1 - (1 - confidence) / 2) * result.se;
  return { ...result, confidence, ci: [Math.max(0, lower), Math.min(1, upper)] };
}

/**
 * Paired DeLong test of two scores on the same rows (DeLong et al. 1988; fast algorithm of Sun &
 * Xu 2014): z = (A−B)/√(S11 + S22 − 2·S12), two-sided p = 2Φ(−|z|), CI = d ± z₁₋α/₂·σ (not
 * clipped). As pROC's `roc.test(method = "delong", paired = TRUE)`: z = 0 and p = 1 when d = σ = 0.
 */
export function delongPaired(
  labels: Uint8Array,
  scoresA: Float64Array,
  scoresB: Float64Array,
  confidence = 0.95,
): DelongComparison {
  assertConfidence(confidence);
  assertScores(labels, scoresA);
  assertScores(labels, scoresB);
  const { a, b, covariance: cov } = pairedMoments(labels, scoresA, scoresB);
  const varianceA = varianceOf(a);
  const varianceB = varianceOf(b);
  const variance = varianceA + varianceB - 2 * cov;
  // Rounding can push a zero variance (identical scores) a hair below 0.
  const se = Math.sqrt(Math.max(0, variance));
  const difference = a.auc - b.auc;
  const z = difference === 0 && se === 0 ? 0 : difference / se;
  return {
    aucA: a.auc,
    aucB: b.auc,
    difference,
    varianceA,
    varianceB,
    covariance: cov,
    variance,
    se,
    z,
    pValue: 2 * normalCdf(-Math.abs(z)),
    confidence,
    ci: [
      difference + normalQuantile((1 - confidence) / 2) * se,
      difference + normalQuantile(1 - (1 - confidence) / 2) * se,
    ],
  };
}
