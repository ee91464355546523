import {
  assertConfidence,
  comparisonOf,
  type DelongAuc,
  type DelongComparison,
  delongAucOf,
  delongWalks,
  withCi,
} from './delong.js';
import type { KsResult } from './ks.js';
import { assertScores, ROW_MASK } from './score-order.js';

export interface RankMetrics {
  auc: DelongAuc & { confidence: number; ci: [number, number] };
  ks: KsResult;
  /** With baseline scores: the paired DeLong test of scores against them. */
  comparison?: DelongComparison;
}

/**
 * Every rank statistic of `clearance eval` from one walk per score column: the DeLong AUC and its
 * interval (`delongAucCi`), the KS distance (`ksStatistic`) and, with baseline scores, the paired
 * DeLong test (`delongPaired`). The same walks as those functions, so the same numbers bit for
 * bit; they sort the model's scores three times between them, this once (a sort is most of the
 * cost on large files).
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
  const walks = delongWalks({
    labels,
    scoresA: scores,
    ...(baselineScores === undefined ? {} : { scoresB: baselineScores }),
  });
  const a = walks.a;
  const ks: KsResult = Number.isNaN(a.ks.statistic)
    ? { statistic: Number.NaN, threshold: Number.NaN }
    : { statistic: a.ks.statistic, threshold: scores[a.ks.entry & ROW_MASK]! };
  const out: RankMetrics = { auc: withCi(delongAucOf(a), input.confidence), ks };
  if (walks.paired !== undefined)
    out.comparison = comparisonOf(walks.paired, input.pairedConfidence);
  return out;
}
