export { aucFromBlockCounts, rocAuc, weightedAuc } from './auc.js';
export {
  type BootstrapResult,
  bootstrapCi,
  bootstrapCiFromReplicates,
  type ResampleStatistic,
  weightedStatistic,
} from './bootstrap.js';
export {
  type ConfusionMetrics,
  confusionAt,
  tallyAtThreshold,
  weightedConfusion,
} from './confusion.js';
export {
  type DelongAuc,
  type DelongComparison,
  delongAuc,
  delongAucCi,
  delongPaired,
} from './delong.js';
export {
  type FairnessReport,
  fairnessFromTally,
  fairnessReport,
  type GroupRates,
} from './fairness.js';
export { ksFromBlockCounts, ksStatistic, weightedKs } from './ks.js';
export { normalCdf, normalQuantile } from './normal.js';
export { percentile, percentileOfSorted } from './percentile.js';
export { type TwoProportionResult, twoProportionZTest } from './proportions.js';
export { countDrawnByBlock, type RankBlocks, rankBlocks } from './rank-blocks.js';
export { type RankMetrics, rankMetrics } from './rank-metrics.js';
export { regressionErrors } from './regression.js';
export { createRng, type Rng } from './rng.js';
export { type RocCurvePoints, rocCurvePoints } from './roc-curve.js';
export { type ScoreOrder, scoreOrder } from './score-order.js';
