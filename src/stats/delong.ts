import { normalCdf, normalQuantile } from './normal.js';
import {
  MAX_PAIRED_ROWS,
  type Structural,
  share,
  varianceOf,
  walkPlacements,
} from './placements.js';
import { assertScores, SORT_BYTES_PER_ROW, sortScores } from './score-order.js';
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
  const scratch = borrowScratch(scores.length);
  return delongAucOf(walkPlacements(sortScores(scores, labels, scratch)));
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

/**
 * S12 of the paired test. A's placements are stored per row; B's sort carries them along, so B's
 * walk meets each row's A placement in B's order, and Σ(a−μa)(b−μb) = Σ(a−μa)·b − μb·Σ(a−μa),
 * which avoids storing B and keeps deviations centred.
 */
function pairedMoments(labels: Uint8Array, scoresA: Float64Array, scoresB: Float64Array) {
  const scratch = borrowScratch(labels.length);
  const placements = pairedPlacements(scratch, labels.length);
  const a = walkPlacements(sortScores(scoresA, labels, scratch), { store: placements });
  return walkAgainst({ labels, scoresB, scratch, a, placements });
}

/**
 * Where A's walk stores its placements for `walkAgainst`: in `scratch`, after the sort's bytes.
 * Throws above `MAX_PAIRED_ROWS` rows, whose placements would not fit in a sort's tag.
 */
export function pairedPlacements(scratch: ArrayBuffer, rows: number): Uint32Array {
  if (rows > MAX_PAIRED_ROWS) {
    throw new RangeError(`At most ${MAX_PAIRED_ROWS} rows can be compared by the paired test.`);
  }
  return new Uint32Array(scratch, SORT_BYTES_PER_ROW * rows, rows);
}

/**
 * B's walk against A's placements stored in `placements` (from `pairedPlacements`), which B's sort
 * carries in place of the rows, and the covariance S12 of the paired test.
 */
export function walkAgainst(input: {
  labels: Uint8Array;
  scoresB: Float64Array;
  scratch: ArrayBuffer;
  a: Structural;
  placements: Uint32Array;
}): { a: Structural; b: Structural; covariance: number } {
  const { labels, scoresB, scratch, a, placements } = input;
  const against = { meanPos: a.positives.mean, meanNeg: a.negatives.mean };
  const b = walkPlacements(sortScores(scoresB, labels, scratch, placements), { against });
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
  return comparisonOf(pairedMoments(labels, scoresA, scoresB), confidence);
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
