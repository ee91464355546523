import { describe, expect, it } from 'vitest';
import fixture from '../../test/fixtures/reference/delong.json' with { type: 'json' };
import { delongAuc, delongAucCi, delongPaired } from './delong.js';

/** DeLong statistics agree with pROC to 1e-6 relative (absolute near 0). */
function expectNear(actual: number, expected: number, tol = 1e-6): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

type Columns = Record<string, number[]>;
const sets = fixture.sets.map((s) => ({
  name: s.name,
  labels: Uint8Array.from(s.labels),
  columns: Object.fromEntries(
    Object.entries(s.scores as Columns).map(([k, v]) => [k, Float64Array.from(v)]),
  ),
  single: s.single as Record<
    string,
    { auc: number; variance: number; ci95: number[]; ci90: number[] }
  >,
  paired: s.paired,
}));
const column = (set: (typeof sets)[number], name: string): Float64Array => {
  const c = set.columns[name];
  if (c === undefined) throw new Error(`No column ${name} in ${set.name}`);
  return c;
};
const asah = sets.find((s) => s.name === 'aSAH')!;

describe('delongPaired against the published pROC vectors (test-roc.test.R, aSAH)', () => {
  const published = [
    ['wfns', 's100b', 2.20898359144091, 0.0271757822291882, 0.0104061769564846, 0.174214419249478],
    ['wfns', 'ndka', 2.79777591868904, 0.00514557970691098, 0.0634011709339876, 0.3600405634833566],
    [
      'ndka',
      's100b',
      -1.39077002573558,
      0.164295175223054,
      -0.2876917446341914,
      0.0488706064228094,
    ],
  ] as const;
  for (const [a, b, z, p, lo, hi] of published) {
    it(`${a} vs ${b}: Z ${z}, p ${p}`, () => {
      const r = delongPaired(asah.labels, column(asah, a), column(asah, b));
      expectNear(r.z, z, 1e-9);
      expectNear(r.pValue, p, 1e-9);
      expectNear(r.ci[0], lo, 1e-9);
      expectNear(r.ci[1], hi, 1e-9);
    });
  }
  it('negates Z when the curves are swapped and gives Z 0, p 1 for a curve against itself', () => {
    const ab = delongPaired(asah.labels, column(asah, 'wfns'), column(asah, 's100b'));
    const ba = delongPaired(asah.labels, column(asah, 's100b'), column(asah, 'wfns'));
    expect(ba.z).toBeCloseTo(-ab.z, 12);
    const self = delongPaired(asah.labels, column(asah, 'ndka'), column(asah, 'ndka'));
    expect([self.z, self.pValue, self.se]).toEqual([0, 1, 0]);
  });
  it('reproduces the ndka placement AUC θ = 0.611957994579946', () => {
    expectNear(delongAuc(asah.labels, column(asah, 'ndka')).auc, 0.611957994579946, 1e-14);
  });
});

describe('DeLong small vector (semantics §5.2)', () => {
  const labels = Uint8Array.from([1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  const a = Float64Array.from([0.9, 0.8, 0.7, 0.6, 0.4, 0.5, 0.3, 0.35, 0.2, 0.1, 0.6]);
  const b = Float64Array.from([0.7, 0.9, 0.4, 0.5, 0.3, 0.6, 0.2, 0.45, 0.55, 0.1, 0.3]);
  it('matches AUCs, S11, S12, S22, z and p', () => {
    const r = delongPaired(labels, a, b);
    expectNear(r.aucA, 0.9166666666666666, 1e-12);
    expectNear(r.aucB, 0.7166666666666667, 1e-12);
    expectNear(r.varianceA, 0.0071111111111111, 1e-9);
    expectNear(r.covariance, 0.0054861111111111, 1e-9);
    expectNear(r.varianceB, 0.0286111111111111, 1e-9);
    expectNear(r.z, 1.2712834523274577, 1e-9);
    expectNear(r.pValue, 0.20362782709360527, 1e-9);
  });
});

describe('DeLong against pROC on aSAH and seeded data sets with ties', () => {
  for (const set of sets) {
    it(`${set.name}: AUC, var(roc, "delong") and ci.auc(method = "delong")`, () => {
      for (const [name, e] of Object.entries(set.single)) {
        const scores = column(set, name);
        const r = delongAuc(set.labels, scores);
        expectNear(r.auc, e.auc, 1e-9);
        expectNear(r.variance, e.variance);
        for (const [confidence, ci] of [
          [0.95, e.ci95],
          [0.9, e.ci90],
        ] as const) {
          const c = delongAucCi(set.labels, scores, confidence);
          expectNear(c.ci[0], ci[0]!);
          expectNear(c.ci[1], ci[1]!);
        }
      }
    });
    it(`${set.name}: roc.test(method = "delong", paired = TRUE) Z, p and CI`, () => {
      for (const e of set.paired) {
        const r = delongPaired(set.labels, column(set, e.a), column(set, e.b), e.confidence);
        expectNear(r.aucA, e.aucs[0]!, 1e-9);
        expectNear(r.aucB, e.aucs[1]!, 1e-9);
        expectNear(r.z, e.z);
        expectNear(r.pValue, e.p);
        expectNear(r.ci[0], e.ci[0]!);
        expectNear(r.ci[1], e.ci[1]!);
      }
    });
  }
});

describe('DeLong edge cases', () => {
  it('clips the AUC interval to [0, 1] like pROC', () => {
    const labels = Uint8Array.from([0, 0, 0, 1, 1, 1]);
    const scores = Float64Array.from([0.1, 0.2, 0.35, 0.3, 0.8, 0.9]);
    const r = delongAucCi(labels, scores);
    expect(r.ci[1]).toBe(1);
    expect(r.ci[0]).toBeGreaterThan(0);
  });
  it('gives NaN AUC and variance when a class is empty', () => {
    const r = delongAuc(Uint8Array.from([1, 1, 1]), Float64Array.from([0.1, 0.2, 0.3]));
    expect(r.auc).toBeNaN();
    expect(r.variance).toBeNaN();
  });
  it('rejects a confidence outside (0, 1)', () => {
    expect(() => delongAucCi(asah.labels, column(asah, 'wfns'), 95)).toThrow(/Confidence/);
  });
});
