import { describe, expect, it } from 'vitest';
import fixture from '../../test/fixtures/reference/summaries.json' with { type: 'json' };
import { percentile } from './percentile.js';
import { twoProportionZTest } from './proportions.js';
import { regressionErrors } from './regression.js';

function expectNear(actual: number, expected: number | null, rel = 1e-12): void {
  if (expected === null) {
    expect(Number.isFinite(actual)).toBe(false);
    return;
  }
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));
}

describe('percentile against numpy.percentile (linear)', () => {
  for (const set of fixture.percentile) {
    it(`matches on ${set.name}`, () => {
      const values = Float64Array.from(set.values);
      const before = Float64Array.from(values);
      set.qs.forEach((q, i) => {
        expectNear(percentile(values, q), set.expected[i]!);
      });
      expect(values).toEqual(before);
    });
  }
  it('is NaN for empty input and when any value is NaN, and rejects q outside [0, 100]', () => {
    expect(percentile(new Float64Array(0), 50)).toBeNaN();
    expect(percentile(Float64Array.from([1, Number.NaN, 3]), 50)).toBeNaN();
    expect(() => percentile(Float64Array.from([1]), 101)).toThrow(/Percentile/);
  });
});

describe('regressionErrors against scikit-learn and numpy', () => {
  for (const set of fixture.regression) {
    it(`matches on ${set.name}`, () => {
      const r = regressionErrors(
        Float64Array.from(set.targets),
        Float64Array.from(set.predictions),
      );
      for (const key of Object.keys(set.expected) as (keyof typeof set.expected)[]) {
        expectNear(r[key], set.expected[key], 1e-9);
      }
    });
  }
});

describe('twoProportionZTest against statsmodels formulas and scipy relative_risk (Katz)', () => {
  it('matches the published CTR vector (semantics §5.6)', () => {
    const r = twoProportionZTest({
      successesA: 150,
      trialsA: 1000,
      successesB: 120,
      trialsB: 1000,
    });
    expectNear(r.z, 1.963049807622355);
    expectNear(r.pValue, 0.04964038686536878);
    expectNear(r.pValueGreater, 0.02482019343268439);
  });
  for (const e of fixture.twoProportion) {
    const { successesA, trialsA, successesB, trialsB, confidence } = e.input;
    it(`matches ${successesA}/${trialsA} vs ${successesB}/${trialsB} at ${confidence}`, () => {
      const r = twoProportionZTest(e.input);
      expectNear(r.z, e.z, 1e-9);
      expectNear(r.pValue, e.pValue, 1e-9);
      expectNear(r.pValueGreater, e.pValueGreater, 1e-9);
      expectNear(r.differenceCi[0], e.differenceCi[0]!, 1e-9);
      expectNear(r.differenceCi[1], e.differenceCi[1]!, 1e-9);
      expectNear(r.relativeLift, e.relativeLift, 1e-9);
      expectNear(r.relativeLiftCi[0], e.relativeLiftCi[0]!, 1e-9);
      expectNear(r.relativeLiftCi[1], e.relativeLiftCi[1]!, 1e-9);
    });
  }
  it('reports undefined quantities as NaN, not 0', () => {
    const r = twoProportionZTest({ successesA: 0, trialsA: 10, successesB: 0, trialsB: 10 });
    expect(r.z).toBeNaN();
    expect(r.relativeLift).toBeNaN();
    expect(r.relativeLiftCi[0]).toBeNaN();
  });
  it('rejects successes above trials', () => {
    expect(() =>
      twoProportionZTest({ successesA: 11, trialsA: 10, successesB: 1, trialsB: 10 }),
    ).toThrow(/arm A/);
  });
});
