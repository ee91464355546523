import {
  assertConfidence,
  comparisonOf,
  type DelongAuc,
  type DelongComparison,
  delongAucOf,
  pairedPlacements,
  walkAgainst,
  withCi,
} from './delong.js';
import type { KsResult } from './ks.js';
import { walkPlacements } from './placements.js';
import { assertScores, ROW_MASK, sortScores } from './score-order.js';
import { borrowScratch } from './scratch.js';

export interface RankMetrics {
  auc: DelongAuc & { confidence: number; ci: [number, number] };
  ks: KsResult;
  /** With baseline scores: the paired DeLong test of scores against them. */
  comparison?: DelongComparison;
}

/**
 * Every rank statistic of `clearance eval` from one radix sort per score column: the DeLong AUC
 * and its interval (`delongAucCi`), the KS distance (`ksStatistic`) and, with baseline scores, the
 * paired DeLong test (`delongPaired`). The same walks as those functions, so the same numbers bit
 * for bit; they sort the model's scores three times between them, this once (a sort is most of
 * the cost on large files).
 */
export function rankMetrics(input: {
  labels: Uint8Array;
  scores: Float64Array;
  baselineScores?: Float64Array;
  confidence: number;
  pairedConfidence: number;
}): RankMetrics {
  const { labels, scores, baselineScores } = input;
  assertConfidence(input.confidence);
  assertConfidence(input.pairedConfidence);
  assertScores(labels, scores);
  if (baselineScores !== undefined) assertScores(labels, baselineScores);
  const total = labels.length;
  const scratch = borrowScratch(total);
  const placements = baselineScores === undefined ? undefined : pairedPlacements(scratch, total);
  const sorted = sortScores(scores, labels, scratch);
  const a = walkPlacements(sorted, placements === undefined ? {} : { store: placements });
  // Read before B's sort reuses the scratch the order lives in.
  const ks: KsResult = Number.isNaN(a.ks.statistic)
    ? { statistic: Number.NaN, threshold: Number.NaN }
    : { statistic: a.ks.statistic, threshold: scores[sorted.rows[a.ks.after]! & ROW_MASK]! };
  const out: RankMetrics = { auc: withCi(delongAucOf(a), input.confidence), ks };
  if (baselineScores !== undefined && placements !== undefined) {
    const paired = walkAgainst({ labels, scoresB: baselineScores, scratch, a, placements });
    out.comparison = comparisonOf(paired, input.pairedConfidence);
  }
  return out;
}
