import { describe, expect, it } from 'vitest';
import fixture from '../../test/fixtures/reference/rollout.json' with { type: 'json' };
import type { ValueTrigger } from '../domain/policy.js';
import { createRng } from '../stats/index.js';
import { ksDistance, populationStabilityIndex } from './drift.js';
import { evaluateWindow } from './evaluate-window.js';
import type { ObservationPoint } from './observations.js';
import {
  relativeMeanChange,
  relativePercentileChange,
  relativeRateChange,
} from './relative-interval.js';

function near(actual: number, expected: number, tolerance = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(
    tolerance * Math.max(1, Math.abs(expected)),
  );
}

describe('drift statistics against NumPy and SciPy', () => {
  for (const set of fixture.drift) {
    it(`PSI and KS match on ${set.name}`, () => {
      const baseline = Float64Array.from(set.baseline);
      const live = Float64Array.from(set.live);
      near(populationStabilityIndex(baseline, live), set.psi, 1e-9);
      near(ksDistance(baseline, live), set.ks, 1e-12);
    });
  }
  it('is NaN with an empty sample', () => {
    expect(populationStabilityIndex(new Float64Array(0), Float64Array.of(1))).toBeNaN();
    expect(ksDistance(Float64Array.of(1), new Float64Array(0))).toBeNaN();
  });
});

describe('window percentiles pool every raw value of the window', () => {
  const trigger: ValueTrigger = {
    metric: 'latency_p95_ms',
    series: 'latency_ms',
    statistic: 'p95',
    compare: 'absolute',
    confidence: 0.95,
    op: '>',
    threshold: 1e9,
    period: '5m',
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissing: 'missing',
    minSamples: 0,
  };
  const { batches, qs, expected, meanOfBatchP95 } = fixture.windowPercentiles;
  const points: ObservationPoint[] = batches.map((values, i) => ({
    series: 'latency_ms',
    arm: 'candidate',
    at: 1000 * i,
    receivedAt: 1000 * i,
    values,
  }));
  qs.forEach((q, i) => {
    it(`p${q} equals numpy.percentile over the pooled batches`, () => {
      const result = evaluateWindow({
        trigger: { ...trigger, statistic: `p${q}` },
        triggerIndex: 0,
        points,
        startedAt: 0,
        window: 0,
        latenessMs: 0,
      });
      near(result.observed.value!, expected[i]!);
    });
  });
  it('is not the mean of per-batch percentiles', () => {
    const result = evaluateWindow({
      trigger,
      triggerIndex: 0,
      points,
      startedAt: 0,
      window: 0,
      latenessMs: 0,
    });
    expect(Math.abs(result.observed.value! - meanOfBatchP95)).toBeGreaterThan(1);
  });
});

describe('relative change intervals', () => {
  for (const { input, estimate, interval } of fixture.katz) {
    it(`rates match scipy relative_risk (Katz) for ${input.join('/')}`, () => {
      const [xa, na, xb, nb, confidence] = input as [number, number, number, number, number];
      const change = relativeRateChange({
        candidate: { successes: xa, trials: na },
        control: { successes: xb, trials: nb },
        confidence,
      });
      near(change.estimate, estimate, 1e-12);
      near(change.interval[0], interval[0]!, 1e-9);
      near(change.interval[1], interval[1]!, 1e-9);
    });
  }

  it('stays finite with no successes on one arm (0.5 correction)', () => {
    const change = relativeRateChange({
      candidate: { successes: 0, trials: 1000 },
      control: { successes: 3, trials: 1000 },
      confidence: 0.95,
    });
    expect(change.interval.every(Number.isFinite)).toBe(true);
    expect(change.interval[0]).toBeLessThan(-0.5);
  });

  // Coverage by simulation: with a known true relative change, the two-sided interval should
  // contain it about `confidence` of the time (conservative methods at least that often).
  function coverage(
    draw: (rng: ReturnType<typeof createRng>) => { lo: number; hi: number },
    truth: number,
    runs: number,
  ): number {
    const rng = createRng(20261204);
    let covered = 0;
    for (let r = 0; r < runs; r++) {
      const { lo, hi } = draw(rng);
      if (lo <= truth && truth <= hi) covered++;
    }
    return covered / runs;
  }
  const binomial = (rng: ReturnType<typeof createRng>, n: number, p: number): number => {
    let x = 0;
    for (let i = 0; i < n; i++) if (rng.nextFloat() < p) x++;
    return x;
  };
  const exponential = (rng: ReturnType<typeof createRng>, n: number, mean: number): Float64Array =>
    Float64Array.from({ length: n }, () => -mean * Math.log(1 - rng.nextFloat()));

  it('the Katz interval of rates covers the true change about 95% of the time', () => {
    const share = coverage(
      (rng) => {
        const c = relativeRateChange({
          candidate: { successes: binomial(rng, 4000, 0.0495), trials: 4000 },
          control: { successes: binomial(rng, 4000, 0.05), trials: 4000 },
          confidence: 0.95,
        });
        return { lo: c.interval[0], hi: c.interval[1] };
      },
      0.0495 / 0.05 - 1,
      1500,
    );
    expect(share).toBeGreaterThan(0.935);
    expect(share).toBeLessThan(0.965);
  });

  it('the delta-method interval of means covers the true change about 95% of the time', () => {
    const share = coverage(
      (rng) => {
        const c = relativeMeanChange({
          candidate: exponential(rng, 400, 110),
          control: exponential(rng, 400, 100),
          confidence: 0.95,
        });
        return { lo: c.interval[0], hi: c.interval[1] };
      },
      0.1,
      1500,
    );
    expect(share).toBeGreaterThan(0.93);
    expect(share).toBeLessThan(0.97);
  });

  it('the order-statistic interval of p95 covers the true change at least 95% of the time', () => {
    // Exponential p95 = mean · ln 20, so the true relative change of p95 is the means' ratio − 1.
    const share = coverage(
      (rng) => {
        const candidate = exponential(rng, 2000, 120);
        const c = relativePercentileChange({
          candidate,
          control: exponential(rng, 2000, 100),
          q: 95,
          estimate: 0,
          confidence: 0.95,
        });
        return { lo: c.interval[0], hi: c.interval[1] };
      },
      0.2,
      600,
    );
    expect(share).toBeGreaterThanOrEqual(0.95);
  });
});
