/** Which arm of a canary a KPI point belongs to. */
export type Arm = 'candidate' | 'control';

interface PointBase {
  /** The series it belongs to (`ctr`, `error_rate`, `latency_ms`, `score`). */
  series: string;
  arm: Arm;
  /** When it was measured (ms since the epoch): it counts in the window of this time. */
  at: number;
  /** When Clearance received it (ms): it counts only if it arrived before its window was decided. */
  receivedAt: number;
}

/** Counts for a rate: clicks of impressions, errors of requests. */
export interface CountPoint extends PointBase {
  successes: number;
  trials: number;
}

/**
 * Raw values (latencies, scores, errors). `counts`, when given, holds how many times each value
 * was seen, so a histogram of exact values is posted compactly and read as its expansion.
 */
export interface ValuesPoint extends PointBase {
  values: readonly number[];
  counts?: readonly number[];
}

export type ObservationPoint = CountPoint | ValuesPoint;

/** What one arm of one series holds in a span of time, pooled over all its points. */
export type ArmSample =
  | { kind: 'none' }
  | { kind: 'counts'; successes: number; trials: number }
  | { kind: 'values'; values: Float64Array }
  | { kind: 'mixed' };

function isCountPoint(point: ObservationPoint): point is CountPoint {
  return 'trials' in point;
}

/**
 * Pools one arm of one series over [from, to): Σ successes / Σ trials for counts (never an average
 * of per-batch rates), every raw value for values. Only points received by `deadline` count, so a
 * window decided at its deadline reads the same points whenever it is evaluated again.
 */
export function collectArm(
  points: readonly ObservationPoint[],
  where: { series: string; arm: Arm; from: number; to: number; deadline: number },
): ArmSample {
  let successes = 0;
  let trials = 0;
  let counted = false;
  const values: number[] = [];
  for (const point of points) {
    if (point.series !== where.series || point.arm !== where.arm) continue;
    if (point.at < where.from || point.at >= where.to || point.receivedAt > where.deadline)
      continue;
    if (isCountPoint(point)) {
      successes += point.successes;
      trials += point.trials;
      counted = true;
    } else appendValues(values, point);
  }
  if (counted && values.length > 0) return { kind: 'mixed' };
  if (counted) return trials > 0 ? { kind: 'counts', successes, trials } : { kind: 'none' };
  if (values.length > 0) return { kind: 'values', values: Float64Array.from(values) };
  return { kind: 'none' };
}

function appendValues(into: number[], point: ValuesPoint): void {
  const { values, counts } = point;
  for (let i = 0; i < values.length; i++) {
    const times = counts ? (counts[i] ?? 0) : 1;
    for (let k = 0; k < times; k++) into.push(values[i]!);
  }
}

/** Samples behind a statistic: trials for rates, values for the rest. */
export function sampleSize(sample: ArmSample): number {
  if (sample.kind === 'counts') return sample.trials;
  if (sample.kind === 'values') return sample.values.length;
  return 0;
}
