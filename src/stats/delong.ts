import { bucketScratchWords, planBuckets, planPair, walkInBuckets } from './bucket-walk.js';
import { normalCdf, normalQuantile } from './normal.js';
import {
  MAX_PAIRED_ROWS,
  PlacementWalk,
  type Structural,
  share,
  varianceOf,
} from './placements.js';
import { assertScores, ROW_MASK } from './score-order.js';
import { borrowBytes } from './scratch.js';

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

export function assertConfidence(confidence: number): void {
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
  return delongAucOf(delongWalks({ labels, scoresA: scores }).a);
}

/** The DeLong AUC and variance of one walk. */
export function delongAucOf(s: Structural): DelongAuc {
  const variance = varianceOf(s);
  return {
    auc: s.auc,
    variance,
    se: Math.sqrt(variance),
    positives: s.positives.count,
    negatives: s.negatives.count,
  };
}

/** Throws above `MAX_PAIRED_ROWS` rows, whose placements would not fit in a sort's tag. */
export function assertPairable(rows: number): void {
  if (rows > MAX_PAIRED_ROWS) {
    throw new RangeError(`At most ${MAX_PAIRED_ROWS} rows can be compared by the paired test.`);
  }
}

/**
 * A's DeLong walk and, with `scoresB`, B's walk and the covariance S12 of the paired test, each
 * walk fed bucket by bucket by `walkInBuckets`. A's walk stores each row's placement; B's sort
 * carries it in place of the row, so B's walk meets each row's A placement in B's order without a
 * random read, and Σ(a−μa)(b−μb) = Σ(a−μa)·b − μb·Σ(a−μa), which avoids storing B and keeps
 * deviations centred. Throws above `MAX_PAIRED_ROWS` rows with `scoresB`.
 */
export function delongWalks(input: {
  labels: Uint8Array;
  scoresA: Float64Array;
  scoresB?: Float64Array;
  /**
   * With `scoresB`: keep the stored placements in the first half of `scoresA`'s bytes, which
   * A's scatter has read by then, instead of 4 fresh bytes a row (40 MB, ~10,000 page faults at
   * 10 M rows). `scoresA` holds no scores afterwards.
   */
  consumeScoresA?: boolean;
}): { a: Structural; paired?: { a: Structural; b: Structural; covariance: number } } {
  const { labels, scoresA, scoresB } = input;
  const inPlace = input.consumeScoresA === true && scoresB !== undefined;
  const total = labels.length;
  if (scoresB !== undefined) assertPairable(total);
  if (total > ROW_MASK) throw new RangeError('At most 2^31 − 1 scores can be sorted.');
  const planned =
    scoresB === undefined
      ? { positives: countPositives(labels), a: planBuckets(scoresA), b: undefined }
      : planPair({ labels, a: scoresA, b: scoresB });
  const counts = { positives: planned.positives, negatives: total - planned.positives };
  const planA = planned.a;
  const planB = planned.b;
  const storeWords = scoresB === undefined || inPlace ? 0 : total;
  const work = Math.max(bucketScratchWords(planA), planB ? bucketScratchWords(planB) : 0);
  const buffer = borrowBytes(4 * (storeWords + work));
  // walkInBuckets scatters all of A before its first segment, so no score is read after a store.
  const store = inPlace
    ? new Uint32Array(scoresA.buffer, scoresA.byteOffset, total)
    : new Uint32Array(buffer, 0, storeWords);
  const scratch = new Uint32Array(buffer, 4 * storeWords, work);
  const walkA = new PlacementWalk(scoresB === undefined ? counts : { ...counts, store });
  walkInBuckets({ values: scoresA, labels, plan: planA, scratch, walk: walkA });
  const a = walkA.result();
  if (scoresB === undefined || planB === undefined) return { a };
  const against = { meanPos: a.positives.mean, meanNeg: a.negatives.mean };
  const walkB = new PlacementWalk({ ...counts, against });
  walkInBuckets({ values: scoresB, labels, tags: store, plan: planB, scratch, walk: walkB });
  const b = walkB.result();
  const { pos, posShift, neg, negShift } = b.cross;
  const covariance =
    share(pos - b.positives.mean * posShift, a.positives.count) +
    share(neg - b.negatives.mean * negShift, a.negatives.count);
  return { a, paired: { a, b, covariance } };
}

function countPositives(labels: Uint8Array): number {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] === 0 ? 0 : 1;
  return positives;
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
  return withCi(delongAuc(labels, scores), confidence);
}

/** The clipped Wald interval of `delongAucCi` around a computed AUC. */
export function withCi(
  result: DelongAuc,
  confidence: number,
): DelongAuc & { confidence: number; ci: [number, number] } {
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
  return comparisonOf(delongWalks({ labels, scoresA, scoresB }).paired!, confidence);
}

/** The paired test of `delongPaired` from A's and B's walks and their covariance. */
export function comparisonOf(
  paired: { a: Structural; b: Structural; covariance: number },
  confidence: number,
): DelongComparison {
  const { a, b, covariance: cov } = paired;
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
