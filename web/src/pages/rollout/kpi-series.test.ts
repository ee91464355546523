import { describe, expect, it } from 'vitest';
import { kpiSeries } from './kpi-series';

describe('KPI series from decided windows', () => {
  it('draws a relative trigger’s threshold in the KPI’s units and marks failed windows', () => {
    const [ctr] = kpiSeries(
      [{ metric: 'ctr', compare: 'relativeToControl', op: '<=', threshold: -0.01, period: '1h' }],
      [
        {
          metric: 'ctr',
          window: { index: 0, start: 0, end: 10 },
          verdict: 'pass',
          observed: { candidate: 0.05, control: 0.05 },
          op: '<=',
          threshold: -0.01,
        },
        {
          metric: 'ctr',
          window: { index: 1, start: 10, end: 20 },
          verdict: 'fail',
          observed: { candidate: 0.0494, control: 0.05 },
          op: '<=',
          threshold: -0.01,
        },
        {
          metric: 'error_rate',
          window: { index: 0, start: 0, end: 5 },
          verdict: 'pass',
          observed: { candidate: 0.001 },
          op: '>=',
          threshold: 0.005,
        },
      ],
    );
    expect(ctr?.thresholdText).toBe('candidate <= control − 1% (per 1h)');
    expect(ctr?.points.map((p) => [p.breached, p.threshold])).toEqual([
      [false, 0.0495],
      [true, 0.0495],
    ]);
  });

  it('draws an absolute trigger’s threshold as it is, with no control', () => {
    const [errors] = kpiSeries(
      [{ metric: 'error_rate', compare: 'absolute', op: '>=', threshold: 0.005, period: '5m' }],
      [
        {
          metric: 'error_rate',
          window: { index: 0, start: 0, end: 5 },
          verdict: 'pass',
          observed: { candidate: 0.001 },
          op: '>=',
          threshold: 0.005,
        },
      ],
    );
    expect(errors?.points).toEqual([
      { start: 0, end: 5, candidate: 0.001, threshold: 0.005, breached: false },
    ]);
  });
});
