import { percentileOfSorted } from './percentile.js';

export interface RegressionErrors {
  mae: number;
  rmse: number;
  /** Mean of |error / target| as a fraction, over rows whose target is not 0. */
  mape: number;
  p50_abs_error: number;
  p90_abs_error: number;
  p95_abs_error: number;
}

/**
 * Error summaries of a regression: MAE and RMSE as `sklearn.metrics.mean_absolute_error` and
 * `root_mean_squared_error`; MAPE skips zero targets (sklearn instead divides by ε, which explodes);
 * absolute-error percentiles by `numpy.percentile` 'linear'. NaN for empty input.
 */
export function regressionErrors(
  targets: Float64Array,
  predictions: Float64Array,
): RegressionErrors {
  const n = targets.length;
  if (predictions.length !== n) {
    throw new RangeError(
      `Targets and predictions differ in length (${n} vs ${predictions.length}); pass one prediction per target.`,
    );
  }
  const absErrors = new Float64Array(n);
  let sumAbs = 0;
  let sumSq = 0;
  let sumPct = 0;
  let pctRows = 0;
  for (let i = 0; i < n; i++) {
    const y = targets[i]!;
    const e = predictions[i]! - y;
    const a = Math.abs(e);
    absErrors[i] = a;
    sumAbs += a;
    sumSq += e * e;
    if (y !== 0) {
      sumPct += a / Math.abs(y);
      pctRows++;
    }
  }
  absErrors.sort();
  return {
    mae: n === 0 ? Number.NaN : sumAbs / n,
    rmse: n === 0 ? Number.NaN : Math.sqrt(sumSq / n),
    mape: pctRows === 0 ? Number.NaN : sumPct / pctRows,
    p50_abs_error: percentileOfSorted(absErrors, 50),
    p90_abs_error: percentileOfSorted(absErrors, 90),
    p95_abs_error: percentileOfSorted(absErrors, 95),
  };
}
