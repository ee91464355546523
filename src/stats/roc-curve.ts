/**
 * The ROC curve's corner points (FPR, TPR) at every distinct score threshold, highest first, as
 * `sklearn.metrics.roc_curve(drop_intermediate=False)` lists them with (0, 0) prepended; tied
 * scores make one diagonal step. Thinned to at most `maxPoints` (kept evenly along the curve,
 * first and last always) and rounded to 4 decimals: for drawing, not for statistics — AUC and
 * DeLong are computed from the rows themselves.
 */
export interface RocCurvePoints {
  fpr: number[];
  tpr: number[];
}

export function rocCurvePoints(
  labels: Uint8Array,
  scores: Float64Array,
  maxPoints = 101,
): RocCurvePoints {
  const order = Array.from(scores.keys()).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));
  const positives = labels.reduce((n, l) => n + (l !== 0 ? 1 : 0), 0);
  const negatives = labels.length - positives;
  const fpr = [0];
  const tpr = [0];
  if (positives === 0 || negatives === 0) return { fpr, tpr };
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i++) {
    const row = order[i] as number;
    if (labels[row] !== 0) tp += 1;
    else fp += 1;
    const next = order[i + 1];
    if (next === undefined || scores[next] !== scores[row]) {
      fpr.push(fp / negatives);
      tpr.push(tp / positives);
    }
  }
  const keep = thin(fpr.length, Math.max(2, maxPoints));
  const round = (v: number) => Math.round(v * 1e4) / 1e4;
  return {
    fpr: keep.map((i) => round(fpr[i] as number)),
    tpr: keep.map((i) => round(tpr[i] as number)),
  };
}

/** Indices 0 … n−1 thinned to at most `max`, evenly spaced, first and last kept. */
function thin(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, k) => Math.round((k * (n - 1)) / (max - 1)));
}
