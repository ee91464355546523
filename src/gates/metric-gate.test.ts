import { describe, expect, it } from 'vitest';
import type { MetricGateSpec } from '../domain/index.js';
import { computePredictionMetrics } from './compute-metrics.js';
import { bundle, classification, problem, regression, sixRows } from './fixtures.test-support.js';
import { metricGate } from './metric-gate.js';

const spec = (over: Partial<MetricGateSpec>): MetricGateSpec => ({
  id: 'g',
  type: 'metric',
  metric: 'auc',
  ...over,
});
const six = () => classification(sixRows.labels, sixRows.scores);

describe('metricGate', () => {
  it('passes when the AUC recomputed from predictions meets the minimum', () => {
    const result = metricGate(spec({ min: 0.85 }), { candidate: bundle({ predictions: six() }) });
    expect(result.outcome).toBe('pass');
    expect(result.observed).toBeCloseTo(8 / 9, 12);
    expect(result.threshold).toBe('>= 0.85');
    expect(result.explanation).toBe(
      'AUC is 0.889 on the locked evaluation set (6 rows), at or above the required 0.85.',
    );
  });

  it('fails when sensitivity is below the minimum, and names the set', () => {
    const result = metricGate(spec({ metric: 'sensitivity', min: 0.95 }), {
      candidate: bundle({ predictions: six() }),
      evaluationSet: {
        id: 'clinical-2026',
        task: 'binary-classification',
        label: 'y',
        score: 's',
        decisionThreshold: 0.5,
      },
    });
    expect(result.outcome).toBe('fail');
    expect(result.observed).toBeCloseTo(2 / 3, 12);
    expect(result.explanation).toBe(
      'Sensitivity is 0.667 on the locked evaluation set clinical-2026 (6 rows), below the required minimum of 0.95.',
    );
  });

  it('uses the recomputed value, noting a self-reported value that differs', () => {
    const candidate = bundle({ predictions: six(), metrics: { auc: 0.95 } });
    const result = metricGate(spec({ min: 0.9 }), { candidate });
    expect(result.outcome).toBe('fail');
    expect(result.details.selfReported).toBe(0.95);
    expect(result.details.selfReportedDiffers).toBe(true);
  });

  it('errors when the metric is undefined instead of treating it as 0', () => {
    const result = metricGate(spec({ metric: 'precision', max: 1 }), {
      candidate: bundle({ predictions: six() }),
      evaluationSet: {
        id: 'x',
        task: 'binary-classification',
        label: 'y',
        score: 's',
        decisionThreshold: 0.95,
      },
    });
    expect(result.outcome).toBe('error');
    expect(result.explanation).toMatch(/undefined/);
  });

  it('errors with the reading problem when predictions could not be read', () => {
    const candidate = bundle({
      problems: [problem('predictions', 'score is not a number', 'p.csv')],
    });
    const result = metricGate(spec({ min: 0.7 }), { candidate });
    expect(result.outcome).toBe('error');
    expect(result.explanation).toContain('p.csv:3: score is not a number');
  });

  it('errors when neither predictions nor a metrics file give the value', () => {
    const result = metricGate(spec({ metric: 'latency_p95_ms', max: 120 }), {
      candidate: bundle(),
    });
    expect(result.outcome).toBe('error');
    expect(result.observed).toBeNull();
  });

  it('checks self-reported metrics with inclusive bounds and rates as successes/trials', () => {
    const candidate = bundle({
      metrics: { latency_p95_ms: 120, ctr: { successes: 42, trials: 1000 } },
    });
    const latency = metricGate(spec({ metric: 'latency_p95_ms', max: 120 }), { candidate });
    expect(latency.outcome).toBe('pass');
    expect(latency.provenance).toBe('self-reported');
    const ctr = metricGate(spec({ metric: 'ctr', min: 0.05 }), { candidate });
    expect(ctr.outcome).toBe('fail');
    expect(ctr.observed).toBeCloseTo(0.042, 12);
    expect(ctr.explanation).toBe(
      'CTR is 0.042 (42 of 1,000) as self-reported in the metrics file, with no raw samples or predictions to recompute it from, below the required minimum of 0.05.',
    );
    expect(ctr.provenance).toBe('self-reported');
  });

  it('errors instead of throwing when a score is NaN', () => {
    const predictions = classification([1, 0, 1, 0], [0.9, Number.NaN, 0.7, 0.1]);
    const result = metricGate(spec({ min: 0.5 }), { candidate: bundle({ predictions }) });
    expect(result.outcome).toBe('error');
    expect(result.explanation).toMatch(/^The evidence cannot be used: /);
  });

  it('errors on a regression metric asked of classification predictions', () => {
    const result = metricGate(spec({ metric: 'mae', max: 1 }), {
      candidate: bundle({ predictions: six() }),
    });
    expect(result.outcome).toBe('error');
  });
});

describe('computePredictionMetrics', () => {
  it('computes classification metrics and reports undefined ones as undefined', () => {
    const values = computePredictionMetrics(six(), 0.95, 'candidate');
    expect(values.auc).toBeCloseTo(8 / 9, 12);
    expect(values.recall).toBe(0);
    expect(values.precision).toBeUndefined();
    expect(values.selection_rate).toBe(0);
  });

  it('computes regression errors for the baseline column', () => {
    const table = regression([1, 2, 3, 4], [1, 2, 3, 4], [2, 2, 3, 6]);
    const values = computePredictionMetrics(table, 0.5, 'baseline');
    expect(values.mae).toBeCloseTo(0.75, 12);
    expect(values.rmse).toBeCloseTo(Math.sqrt(5 / 4), 12);
    expect(computePredictionMetrics(table, 0.5, 'candidate').mae).toBe(0);
  });

  it('records p50, p95, p99 and the budget of a latency gate recomputed from samples', () => {
    const candidate = bundle({
      loadTest: {
        source: 'load_test.csv',
        format: 'latency-csv',
        latenciesMs: Float64Array.from([10, 20, 30, 40, 500]),
      },
    });
    const result = metricGate(spec({ metric: 'latency_p95_ms', max: 120 }), { candidate });
    expect(result.outcome).toBe('fail');
    // numpy.percentile([10, 20, 30, 40, 500], q): 30, 40 + 0.8 · 460, 40 + 0.96 · 460.
    const percentiles = result.details.percentiles as Record<string, number>;
    expect(percentiles.p50).toBe(30);
    expect(percentiles.p95).toBeCloseTo(408, 9);
    expect(percentiles.p99).toBeCloseTo(481.6, 9);
    expect(percentiles.p95).toBe(result.observed);
    expect([result.details.min, result.details.max]).toEqual([null, 120]);
  });
});
