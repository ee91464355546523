import { describe, expect, it } from 'vitest';
import fixture from '../../test/fixtures/reference/fairness.json' with { type: 'json' };
import { fairnessReport } from './fairness.js';

function encode(sf: string[]): { values: string[]; codes: Uint32Array } {
  const values = [...new Set(sf)].sort();
  return { values, codes: Uint32Array.from(sf.map((v) => values.indexOf(v))) };
}

function expectNear(actual: number | null, expected: number | null, tol = 1e-12): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tol);
}

describe('fairnessReport against Fairlearn published vectors', () => {
  it('matches common_fairness_metrics.rst: DPD 0.25, DPR 2/3, EOD 1.0, EO ratio 0.0', () => {
    const yTrue = [0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1];
    const yPred = [0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0];
    const sf = 'b b a b b c c c a a c a b c c b c c'.split(' ');
    const r = fairnessReport({
      labels: Uint8Array.from(yTrue),
      predicted: Uint8Array.from(yPred),
      groups: encode(sf),
    });
    expectNear(r.demographicParityDifference, 0.25);
    expectNear(r.demographicParityRatio, 2 / 3);
    expectNear(r.equalizedOddsDifference, 1.0);
    expectNear(r.equalizedOddsRatio, 0.0);
    expectNear(r.equalOpportunityDifference, 0.2);
    expectNear(r.equalOpportunityRatio, 2 / 3);
    const byName = Object.fromEntries(r.groups.map((g) => [g.value, g]));
    expect([byName.a?.selectionRate, byName.b?.selectionRate, byName.c?.selectionRate]).toEqual([
      0.75, 0.5, 0.5,
    ]);
    expectNear(byName.a?.tpr ?? null, 0.5);
    expectNear(byName.b?.tpr ?? null, 0.6);
    expectNear(byName.c?.tpr ?? null, 0.4);
    expectNear(byName.a?.fpr ?? null, 1);
    expectNear(byName.b?.fpr ?? null, 0);
    expectNear(byName.c?.fpr ?? null, 2 / 3);
    expect(r.undefinedReasons).toEqual([]);
  });

  it('matches the MetricFrame docstring vector: selection F 0.8, M 0.4, difference 0.4, ratio 0.5', () => {
    const r = fairnessReport({
      labels: Uint8Array.from([1, 1, 1, 1, 1, 0, 0, 1, 1, 0]),
      predicted: Uint8Array.from([0, 1, 1, 1, 1, 0, 0, 0, 1, 1]),
      groups: encode(['F', 'F', 'F', 'F', 'F', 'M', 'M', 'M', 'M', 'M']),
    });
    expect(r.groups.map((g) => [g.value, g.selectionRate])).toEqual([
      ['F', 0.8],
      ['M', 0.4],
    ]);
    expectNear(r.demographicParityDifference, 0.4);
    expectNear(r.demographicParityRatio, 0.5);
  });
});

describe('fairnessReport against NumPy per-group rates on a seeded set', () => {
  const f = fixture.random;
  const r = fairnessReport({
    labels: Uint8Array.from(f.labels),
    predicted: Uint8Array.from(f.predicted),
    groups: { values: f.values, codes: Uint32Array.from(f.codes) },
    privileged: f.privileged,
  });
  it('matches counts and rates per group', () => {
    expect(r.groups.length).toBe(f.expected.groups.length);
    f.expected.groups.forEach((e, i) => {
      const g = r.groups[i]!;
      expect([g.value, g.n, g.positives, g.negatives, g.predictedPositive]).toEqual([
        e.value,
        e.n,
        e.positives,
        e.negatives,
        e.predictedPositive,
      ]);
      expectNear(g.selectionRate, e.selectionRate);
      expectNear(g.tpr, e.tpr);
      expectNear(g.fpr, e.fpr);
    });
  });
  it('matches the between-groups differences and ratios, and DI against the privileged group', () => {
    for (const key of [
      'demographicParityDifference',
      'demographicParityRatio',
      'disparateImpactRatio',
      'equalizedOddsDifference',
      'equalizedOddsRatio',
      'equalOpportunityDifference',
      'equalOpportunityRatio',
    ] as const) {
      expectNear(r[key], f.expected[key]);
    }
  });
});

describe('fairnessReport undefined metrics', () => {
  it('gives a group without positives tpr null with a reason, and nulls the TPR-based gates', () => {
    const r = fairnessReport({
      labels: Uint8Array.from([1, 0, 1, 0, 0, 0]),
      predicted: Uint8Array.from([1, 0, 0, 1, 1, 0]),
      groups: encode(['x', 'x', 'x', 'y', 'y', 'y']),
    });
    const y = r.groups.find((g) => g.value === 'y')!;
    expect(y.tpr).toBeNull();
    expect(y.fpr).toBeCloseTo(2 / 3, 15);
    expect(r.equalOpportunityDifference).toBeNull();
    expect(r.equalOpportunityRatio).toBeNull();
    expect(r.equalizedOddsDifference).toBeNull();
    expect(r.equalizedOddsRatio).toBeNull();
    expect(r.demographicParityDifference).toBeCloseTo(1 / 3, 15);
    expect(r.undefinedReasons.join(' ')).toMatch(/tpr is undefined for group\(s\) y/);
  });
  it('gives ratios null, not NaN or 0, when every selection rate is 0', () => {
    const r = fairnessReport({
      labels: Uint8Array.from([1, 0, 1, 0]),
      predicted: Uint8Array.from([0, 0, 0, 0]),
      groups: encode(['x', 'x', 'y', 'y']),
    });
    expect(r.demographicParityDifference).toBe(0);
    expect(r.demographicParityRatio).toBeNull();
    expect(r.disparateImpactRatio).toBeNull();
    expect(r.undefinedReasons.some((m) => m.includes('selectionRate ratio'))).toBe(true);
  });
  it('leaves out groups without rows and refuses a comparison of one group', () => {
    const r = fairnessReport({
      labels: Uint8Array.from([1, 0]),
      predicted: Uint8Array.from([1, 0]),
      groups: { values: ['x', 'empty'], codes: Uint32Array.from([0, 0]) },
    });
    expect(r.groups.map((g) => g.value)).toEqual(['x']);
    expect(r.demographicParityDifference).toBeNull();
    expect(r.undefinedReasons.join(' ')).toMatch(/empty have no rows/);
  });
  it('reports a missing privileged group instead of guessing', () => {
    const r = fairnessReport({
      labels: Uint8Array.from([1, 0, 1, 0]),
      predicted: Uint8Array.from([1, 0, 1, 1]),
      groups: encode(['x', 'x', 'y', 'y']),
      privileged: 'z',
    });
    expect(r.disparateImpactRatio).toBeNull();
    expect(r.undefinedReasons.join(' ')).toMatch(/Privileged group z/);
  });
});
