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
import { assertScores, ROW_MASK, scoreOfKey } from './score-order.js';

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
  /**
   * Lets the paired walk reuse `scores`' memory as scratch (`delongWalks`' `consumeScoresA`):
   * `scores` holds no scores afterwards. The KS threshold is then rebuilt from its sortable key,
   * so a −0 there reads as 0.
   */
  consumeScores?: boolean;
}): RankMetrics {
  const { labels, scores, baselineScores } = input;
  const consume = input.consumeScores === true;
  assertConfidence(input.confidence);
  assertConfidence(input.pairedConfidence);
  assertScores(labels, scores);
  if (baselineScores !== undefined) assertScores(labels, baselineScores);
  const walks = delongWalks({
    labels,
    scoresA: scores,
    ...(baselineScores === undefined ? {} : { scoresB: baselineScores }),
    consumeScoresA: consume,
  });
  const a = walks.a;
  const threshold = consume ? scoreOfKey(a.ks.hi, a.ks.lo) : scores[a.ks.entry & ROW_MASK]!;
  const ks: KsResult = Number.isNaN(a.ks.statistic)
    ? { statistic: Number.NaN, threshold: Number.NaN }
    : { statistic: a.ks.statistic, threshold };
  const out: RankMetrics = { auc: withCi(delongAucOf(a), input.confidence), ks };
  if (walks.paired !== undefined)
    out.comparison = comparisonOf(walks.paired, input.pairedConfidence);
  return out;
}
