import { describe, expect, it } from 'vitest';
import type { BaselineGateSpec } from '../domain/index.js';
import { baselineGate } from './baseline-gate.js';
import { bundle, classification, regression, repeat, sixRows } from './fixtures.test-support.js';

type Overrides = { [K in keyof BaselineGateSpec]?: BaselineGateSpec[K] | undefined };

/** A spec with defaults; an override of `undefined` removes the field (e.g. maxDegradation). */
const spec = (over: Overrides): BaselineGateSpec => {
  const merged: Record<string, unknown> = {
    id: 'b',
    type: 'baseline',
    metric: 'auc',
    maxDegradation: 0.01,
    relative: false,
    confidence: 0.95,
    test: 'auto',
    resamples: 400,
    seed: 7,
    ...over,
  };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return merged as unknown as BaselineGateSpec;
};

describe('baselineGate with DeLong (AUC)', () => {
  it('passes an equal candidate: difference 0 and lower bound 0 ≥ −0.01', () => {
    const predictions = classification(sixRows.labels, sixRows.scores, {
      baselineScores: sixRows.scores,
    });
    const result = baselineGate(spec({}), { candidate: bundle({ predictions }) });
    expect(result.outcome).toBe('pass');
    expect(result.observed).toBe(0);
    expect(result.details.test).toBe('delong');
    // DeLong's variance of identical scores is 0 up to rounding.
    expect((result.details.ci as number[])[0]).toBeCloseTo(0, 6);
    expect(result.explanation).toMatch(
      /the lower bound \S+ of the two-sided 95% interval is within the allowed degradation of 0\.01\.$/,
    );
  });

  it('fails a degraded candidate (AUC 8/9 vs 1)', () => {
    const predictions = classification(sixRows.labels, sixRows.scores, {
      baselineScores: sixRows.perfect,
    });
    const result = baselineGate(spec({}), { candidate: bundle({ predictions }) });
    expect(result.outcome).toBe('fail');
    expect(result.observed).toBeCloseTo(-1 / 9, 12);
    expect(result.details.candidateValue).toBeCloseTo(8 / 9, 12);
    expect(result.details.baselineValue).toBe(1);
    expect((result.details.ci as number[])[0]).toBeLessThan(-1 / 9);
    expect(result.explanation).toMatch(
      /^AUC is 0\.889 vs 1 for production \(difference −0\.111, 95% DeLong CI −/,
    );
  });

  it('passes a clear improvement against minImprovement and fails a small margin', () => {
    const labels = repeat(sixRows.labels, 100);
    const predictions = classification(labels, repeat(sixRows.perfect, 100), {
      baselineScores: repeat(sixRows.scores, 100),
    });
    const improved = baselineGate(spec({ maxDegradation: undefined, minImprovement: 0.05 }), {
      candidate: bundle({ predictions }),
    });
    expect(improved.outcome).toBe('pass');
    expect(improved.observed).toBeCloseTo(1 / 9, 12);
    const tooMuch = baselineGate(spec({ minImprovement: 0.11 }), {
      candidate: bundle({ predictions }),
    });
    expect(tooMuch.outcome).toBe('fail');
    expect(tooMuch.explanation).toContain('below the required improvement of 0.11');
  });

  it('scales the margin by |baseline| when relative', () => {
    const predictions = classification(sixRows.labels, sixRows.scores, {
      baselineScores: sixRows.scores,
    });
    const result = baselineGate(spec({ relative: true, maxDegradation: 0.01 }), {
      candidate: bundle({ predictions }),
    });
    expect(result.details.requiredLowerBound).toBeCloseTo(-0.01 * (8 / 9), 12);
  });
});

describe('baselineGate with the production version', () => {
  const candidatePredictions = () =>
    classification(sixRows.labels, sixRows.scores, { ids: ['a', 'b', 'c', 'd', 'e', 'f'] });

  it('compares against the baseline bundle on matching rows', () => {
    const baseline = bundle({
      predictions: classification(sixRows.labels, sixRows.scores, {
        ids: ['a', 'b', 'c', 'd', 'e', 'f'],
      }),
    });
    const result = baselineGate(spec({}), {
      candidate: bundle({ predictions: candidatePredictions() }),
      baseline,
    });
    expect(result.outcome).toBe('pass');
    expect(result.details.rowsMatchedBy).toBe('row id');
  });

  it('errors when the baseline scored different rows', () => {
    const shuffled = bundle({
      predictions: classification(sixRows.labels, sixRows.scores, {
        ids: ['b', 'a', 'c', 'd', 'e', 'f'],
      }),
    });
    const byId = baselineGate(spec({}), {
      candidate: bundle({ predictions: candidatePredictions() }),
      baseline: shuffled,
    });
    expect(byId.outcome).toBe('error');
    expect(byId.explanation).toContain('row 1 has id "a"');
    const shorter = bundle({ predictions: classification([1, 0], [0.5, 0.4]) });
    const byCount = baselineGate(spec({}), {
      candidate: bundle({ predictions: candidatePredictions() }),
      baseline: shorter,
    });
    expect(byCount.outcome).toBe('error');
  });

  it('errors with a fix when there is no baseline at all', () => {
    const result = baselineGate(spec({}), {
      candidate: bundle({ predictions: candidatePredictions() }),
    });
    expect(result.outcome).toBe('error');
    expect(result.explanation).toContain('no production baseline to compare with');
    expect(result.explanation).toContain('--baseline');
  });
});

describe('baselineGate with the bootstrap', () => {
  const labels = repeat([1, 0], 20);
  const baselineScores = labels.map((y) => (y === 1 ? 0.9 : 0.1));

  it('fails a candidate whose accuracy drops from 1 to 0.75', () => {
    const scores = baselineScores.map((s, i) => (i < 10 ? 1 - s : s));
    const predictions = classification(labels, scores, { baselineScores });
    const result = baselineGate(spec({ metric: 'accuracy' }), {
      candidate: bundle({ predictions }),
    });
    expect(result.outcome).toBe('fail');
    expect(result.observed).toBeCloseTo(-0.25, 12);
    expect(result.details.test).toBe('bootstrap');
    expect((result.details.statistics as Record<string, unknown>).seed).toBe(7);
    expect((result.details.statistics as Record<string, unknown>).stratified).toBe(true);
  });

  it('passes an equal candidate and is reproducible from the seed', () => {
    const predictions = classification(labels, baselineScores, { baselineScores });
    const first = baselineGate(spec({ metric: 'f1' }), { candidate: bundle({ predictions }) });
    expect(first.outcome).toBe('pass');
    expect(first.details.ci).toEqual([0, 0]);
    const scores = baselineScores.map((s, i) => (i === 3 ? 0.9 : s));
    const mixed = classification(labels, scores, { baselineScores });
    const a = baselineGate(spec({ metric: 'ks' }), { candidate: bundle({ predictions: mixed }) });
    const b = baselineGate(spec({ metric: 'ks' }), { candidate: bundle({ predictions: mixed }) });
    expect(a).toEqual(b);
  });

  it('orients lower-is-better regression metrics (MAE: baseline − candidate)', () => {
    const targets = repeat([1, 2, 3, 4, 5], 8);
    const predictions = regression(
      targets,
      targets.map((t) => t + 1),
      targets.map((t) => t + 0.5),
    );
    const result = baselineGate(spec({ metric: 'mae', maxDegradation: 0.1 }), {
      candidate: bundle({ predictions }),
    });
    expect(result.outcome).toBe('fail');
    expect(result.observed).toBeCloseTo(-0.5, 12);
  });
});

describe('baselineGate with the two-proportion test', () => {
  const ctr = (successes: number) => ({ ctr: { successes, trials: 20_000 } });

  it('passes a CTR lift whose relative lower bound clears +2%', () => {
    const result = baselineGate(
      spec({ metric: 'ctr', relative: true, maxDegradation: undefined, minImprovement: 0.02 }),
      {
        candidate: bundle({ metrics: ctr(1200) }),
        baseline: bundle({ metrics: ctr(1000) }),
      },
    );
    expect(result.outcome).toBe('pass');
    expect(result.observed).toBeCloseTo(0.2, 12);
    // Katz: exp(ln 1.2 − 1.96·√(1/1200 − 1/20000 + 1/1000 − 1/20000)) − 1
    expect((result.details.ci as number[])[0]).toBeCloseTo(0.10597, 4);
  });

  it('fails a lift that is not significant', () => {
    const result = baselineGate(spec({ metric: 'ctr', relative: true, minImprovement: 0.02 }), {
      candidate: bundle({ metrics: ctr(1010) }),
      baseline: bundle({ metrics: ctr(1000) }),
    });
    expect(result.outcome).toBe('fail');
  });

  it('errors on a plain self-reported number and on an unknown direction', () => {
    const plain = baselineGate(spec({ metric: 'ctr' }), {
      candidate: bundle({ metrics: { ctr: 0.05 } }),
      baseline: bundle({ metrics: { ctr: 0.04 } }),
    });
    expect(plain.outcome).toBe('error');
    const unknown = baselineGate(spec({ metric: 'widgets' }), {
      candidate: bundle({ metrics: { widgets: 3 } }),
    });
    expect(unknown.outcome).toBe('error');
    expect(unknown.explanation).toContain('direction');
  });
});
