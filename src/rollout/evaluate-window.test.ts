import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RollbackTrigger, TreatMissing, ValueTrigger } from '../domain/policy.js';
import { evaluateWindow } from './evaluate-window.js';
import type { ObservationPoint } from './observations.js';
import { emptyHistory, recordWindow, type TriggerHistory } from './trigger-history.js';

const minute = 60_000;

const errorRate: ValueTrigger = {
  metric: 'error_rate',
  series: 'error_rate',
  statistic: 'rate',
  compare: 'absolute',
  confidence: 0.95,
  op: '>=',
  threshold: 0.005,
  period: '5m',
  evaluationPeriods: 3,
  datapointsToAlarm: 3,
  treatMissing: 'missing',
  minSamples: 0,
};

const counts = (
  at: number,
  successes: number,
  trials: number,
  arm: 'candidate' | 'control' = 'candidate',
): ObservationPoint => ({
  series: 'error_rate',
  arm,
  at,
  receivedAt: at,
  successes,
  trials,
});

function window(trigger: RollbackTrigger, points: ObservationPoint[], index = 0) {
  return evaluateWindow({
    trigger,
    triggerIndex: 0,
    points,
    startedAt: 0,
    window: index,
    latenessMs: 5 * minute,
  });
}

describe('evaluateWindow', () => {
  it('pools a rate over the window instead of averaging per-batch rates', () => {
    // Per-batch rates 0.01 and 0.0001 average to 0.00505 (≥ 0.005); pooled it is 0.00109.
    const result = window(errorRate, [counts(0, 1, 100), counts(minute, 10, 100_000)]);
    expect(result.observed.value).toBeCloseTo(11 / 100_100, 12);
    expect(result.verdict).toBe('pass');
  });

  it('counts a point in the window of its own timestamp, whenever it arrives before the deadline', () => {
    const late = { ...counts(4 * minute, 50, 1000), receivedAt: 9 * minute };
    expect(window(errorRate, [counts(0, 0, 1000), late]).verdict).toBe('fail');
    const tooLate = { ...late, receivedAt: 10 * minute + 1 };
    expect(window(errorRate, [counts(0, 0, 1000), tooLate]).verdict).toBe('pass');
    expect(window(errorRate, [counts(5 * minute, 50, 1000)]).basis).toBe('missing');
  });

  it.each([
    ['missing', 'error'],
    ['breaching', 'fail'],
    ['notBreaching', 'pass'],
    ['ignore', 'skipped'],
  ] as [TreatMissing, string][])(
    'treats a window without data under treatMissing: %s as %s',
    (treatMissing, verdict) => {
      const result = window({ ...errorRate, treatMissing }, [counts(6 * minute, 1, 10)]);
      expect(result.verdict).toBe(verdict);
      expect(result.basis).toBe('missing');
    },
  );

  it('is inconclusive below minSamples, on either arm when compared with the control', () => {
    const few = window({ ...errorRate, minSamples: 1000 }, [counts(0, 100, 999)]);
    expect(few).toMatchObject({ verdict: 'inconclusive', basis: 'minSamples' });
    const relative: ValueTrigger = {
      ...errorRate,
      compare: 'relativeToControl',
      threshold: 0.5,
      minSamples: 1000,
    };
    const result = window(relative, [counts(0, 10, 5000), counts(0, 1, 999, 'control')]);
    expect(result).toMatchObject({
      verdict: 'inconclusive',
      observed: { samples: { candidate: 5000, control: 999 } },
    });
  });

  it('errors on a series of the wrong kind, and says how to fix it', () => {
    const values: ObservationPoint = {
      series: 'error_rate',
      arm: 'candidate',
      at: 0,
      receivedAt: 0,
      values: [1, 2],
    };
    const result = window(errorRate, [values]);
    expect(result).toMatchObject({ verdict: 'error', basis: 'invalid' });
    expect(result.explanation).toContain('statistic: mean');
  });

  it('fires relativeToControl only when the whole interval is beyond the threshold', () => {
    const ctr: ValueTrigger = {
      ...errorRate,
      metric: 'ctr',
      compare: 'relativeToControl',
      op: '<=',
      threshold: -0.01,
    };
    const point = (arm: 'candidate' | 'control', clicks: number, impressions: number) => ({
      ...counts(0, clicks, impressions, arm),
      series: 'ctr',
    });
    // A 20% drop on 200 impressions: the point estimate is far beyond −1%, the interval is not.
    const noisy = window({ ...ctr, series: 'ctr' }, [
      point('candidate', 8, 200),
      point('control', 10, 200),
    ]);
    expect(noisy.observed.estimate).toBeCloseTo(-0.2, 12);
    expect(noisy.verdict).toBe('pass');
    const clear = window({ ...ctr, series: 'ctr' }, [
      point('candidate', 80_000, 200_000),
      point('control', 100_000, 200_000),
    ]);
    expect(clear.verdict).toBe('fail');
    expect(clear.observed.value).toBe(clear.observed.interval?.[1]);
  });

  it('uses histogram counts as repeated values', () => {
    const p95: ValueTrigger = {
      ...errorRate,
      series: 'latency_ms',
      statistic: 'p95',
      op: '>',
      threshold: 200,
    };
    const expanded: ObservationPoint = {
      series: 'latency_ms',
      arm: 'candidate',
      at: 0,
      receivedAt: 0,
      values: [100, 100, 100, 250],
    };
    const histogram: ObservationPoint = { ...expanded, values: [100, 250], counts: [3, 1] };
    expect(window(p95, [histogram]).observed.value).toBe(window(p95, [expanded]).observed.value);
  });

  it('never changes a decided window when late points arrive', () => {
    const point = fc.record({
      minuteAt: fc.integer({ min: -2, max: 12 }),
      delay: fc.integer({ min: 0, max: 20 }),
      successes: fc.integer({ min: 0, max: 50 }),
      extra: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(
        fc.array(point, { maxLength: 30 }),
        fc.array(point, { maxLength: 30 }),
        fc.integer({ min: 0, max: 2 }),
        (early, late, index) => {
          const toPoint = (
            p: { minuteAt: number; delay: number; successes: number; extra: number },
            after: number,
          ) => ({
            ...counts(p.minuteAt * minute, p.successes, p.successes + p.extra + 1),
            receivedAt: after + p.minuteAt * minute + p.delay * minute,
          });
          const deadline = (index + 1) * 5 * minute + 5 * minute;
          const before = early.map((p) => toPoint(p, 0)).filter((p) => p.receivedAt <= deadline);
          const after = late.map((p) => ({
            ...toPoint(p, 0),
            receivedAt: deadline + 1 + p.delay * minute,
          }));
          expect(window(errorRate, [...before, ...after], index)).toEqual(
            window(errorRate, before, index),
          );
        },
      ),
    );
  });
});

describe('recordWindow (M of N)', () => {
  const run = (trigger: RollbackTrigger, verdicts: string[]) => {
    let history: TriggerHistory = emptyHistory;
    return verdicts.map((verdict, index) => {
      const result = { ...window(trigger, [], index), verdict } as ReturnType<typeof window>;
      const next = recordWindow({ history, trigger, result, consecutiveErrorLimit: 4 });
      history = next.history;
      return next.status;
    });
  };

  it('fires when M of the last N windows breach', () => {
    const twoOfThree = { ...errorRate, evaluationPeriods: 3, datapointsToAlarm: 2 };
    expect(run(twoOfThree, ['fail', 'pass', 'pass', 'fail', 'pass', 'fail'])).toEqual([
      'pass',
      'pass',
      'pass',
      'pass',
      'pass',
      'fail',
    ]);
    expect(run(errorRate, ['fail', 'fail', 'pass', 'fail', 'fail', 'fail'])).toEqual([
      'pass',
      'pass',
      'pass',
      'pass',
      'pass',
      'fail',
    ]);
  });

  it('skips ignored windows, so M of N counts the last N windows with data', () => {
    expect(run(errorRate, ['fail', 'skipped', 'fail', 'skipped', 'skipped', 'fail'])).toEqual([
      'pass',
      'pass',
      'pass',
      'pass',
      'pass',
      'fail',
    ]);
  });

  it('rolls back after consecutiveErrorLimit errors in a row, and a window with data resets the count', () => {
    expect(
      run(errorRate, ['error', 'error', 'error', 'pass', 'error', 'error', 'error', 'error']),
    ).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'error']);
  });

  it('reports an inconclusive window as inconclusive unless the trigger already fires', () => {
    expect(
      run({ ...errorRate, evaluationPeriods: 1, datapointsToAlarm: 1 }, ['inconclusive', 'fail']),
    ).toEqual(['inconclusive', 'fail']);
  });
});

describe('relativeToControl on values', () => {
  const latency = (arm: 'candidate' | 'control', values: number[]): ObservationPoint => ({
    series: 'latency_ms',
    arm,
    at: 0,
    receivedAt: 0,
    values,
  });
  const p95: ValueTrigger = {
    ...errorRate,
    metric: 'latency_p95_ms',
    series: 'latency_ms',
    statistic: 'p95',
    compare: 'relativeToControl',
    op: '>=',
    threshold: 0.1,
  };

  it('passes a percentile change on a sample too small to bound it', () => {
    const result = window(p95, [latency('candidate', [300, 310]), latency('control', [100, 110])]);
    expect(result.observed.interval).toEqual([-1, Number.POSITIVE_INFINITY]);
    expect(result.verdict).toBe('pass');
  });

  it('fires on a percentile change whose interval is beyond the threshold', () => {
    const many = (scale: number) => Array.from({ length: 2000 }, (_, i) => scale * (1 + i / 100));
    const result = window(p95, [latency('candidate', many(2)), latency('control', many(1))]);
    expect(result.observed.estimate).toBeCloseTo(1, 9);
    expect(result.verdict).toBe('fail');
  });

  it('is inconclusive for a mean of a single value', () => {
    const mean: ValueTrigger = { ...p95, statistic: 'mean' };
    const result = window(mean, [latency('candidate', [300]), latency('control', [100, 110])]);
    expect(result).toMatchObject({ verdict: 'inconclusive', basis: 'minSamples' });
  });
});
