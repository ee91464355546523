import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import fixture from '../../test/fixtures/reference/classification.json' with { type: 'json' };
import { rocAuc, weightedAuc } from './auc.js';
import { confusionAt, weightedConfusion } from './confusion.js';
import { ksStatistic, weightedKs } from './ks.js';
import { scoreOrder } from './score-order.js';

const TOL = 1e-9;
const ones = (n: number): Uint32Array => new Uint32Array(n).fill(1);

function expectNear(actual: number, expected: number | null, tol = TOL): void {
  if (expected === null) {
    expect(actual).toBeNaN();
    return;
  }
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol);
}

const sets = fixture.sets.map((s) => ({
  ...s,
  labelArray: Uint8Array.from(s.labels),
  scoreArray: Float64Array.from(s.scores),
}));

describe('rocAuc against sklearn.metrics.roc_auc_score', () => {
  it('matches the sklearn docstring vector (0.75)', () => {
    expect(rocAuc(Uint8Array.from([0, 0, 1, 1]), Float64Array.from([0.1, 0.4, 0.35, 0.8]))).toBe(
      0.75,
    );
  });
  for (const s of sets) {
    it(`matches on ${s.name} (${s.labels.length} rows, heavy ties)`, () => {
      expectNear(rocAuc(s.labelArray, s.scoreArray), s.auc);
    });
  }
  it('is NaN when a class is empty', () => {
    expect(rocAuc(Uint8Array.from([1, 1]), Float64Array.from([0.2, 0.3]))).toBeNaN();
  });
  it('rejects NaN scores and mismatched lengths', () => {
    expect(() => rocAuc(Uint8Array.from([0, 1]), Float64Array.from([0.1, Number.NaN]))).toThrow(
      /row 1/,
    );
    expect(() => rocAuc(Uint8Array.from([0]), Float64Array.from([0.1, 0.2]))).toThrow(/length/);
  });
});

describe('ksStatistic against scipy.stats.ks_2samp', () => {
  it('matches the computed vector D = 4/7 at scipy location 0.7', () => {
    const neg = [0.1, 0.2, 0.35, 0.4, 0.6, 0.7];
    const pos = [0.3, 0.5, 0.55, 0.8, 0.85, 0.9, 0.95];
    const labels = Uint8Array.from([...neg.map(() => 0), ...pos.map(() => 1)]);
    const ks = ksStatistic(labels, Float64Array.from([...neg, ...pos]));
    expect(ks.statistic).toBeCloseTo(0.5714285714285714, 15);
    expect(ks.threshold).toBe(0.8);
  });
  it('reports the first threshold when the largest gap is attained twice (SciPy argmax)', () => {
    // ks_2samp([1, 3], [2, 4]) has D = 0.5 at location 1 and again at 3.
    const ks = ksStatistic(Uint8Array.from([0, 1, 0, 1]), Float64Array.from([1, 2, 3, 4]));
    expect(ks).toEqual({ statistic: 0.5, threshold: 2 });
  });
  for (const s of sets) {
    it(`matches on ${s.name}, and the threshold attains D in confusionAt`, () => {
      const ks = ksStatistic(s.labelArray, s.scoreArray);
      expectNear(ks.statistic, s.ks.statistic);
      // SciPy reports the last score of the lower CDF step; ours is the next distinct score.
      expect(ks.threshold).toBe(Math.min(...s.scores.filter((v) => v > s.ks.location)));
      const c = confusionAt(s.labelArray, s.scoreArray, ks.threshold);
      expectNear(Math.abs(c.recall - c.fpr), s.ks.statistic);
    });
  }
});

describe('confusionAt against sklearn scorers on scores >= threshold', () => {
  for (const s of sets) {
    it(`matches counts and rates on ${s.name}`, () => {
      for (const e of s.confusion) {
        const c = confusionAt(s.labelArray, s.scoreArray, e.threshold);
        expect([c.tp, c.fp, c.tn, c.fn]).toEqual([e.tp, e.fp, e.tn, e.fn]);
        for (const key of [
          'accuracy',
          'precision',
          'recall',
          'f1',
          'specificity',
          'fpr',
        ] as const) {
          expectNear(c[key], e[key]);
        }
      }
    });
  }
  it('gives NaN, not 0, for precision when nothing is predicted positive', () => {
    const c = confusionAt(Uint8Array.from([0, 1]), Float64Array.from([0.1, 0.2]), 0.9);
    expect(c.precision).toBeNaN();
    expect(c.recall).toBe(0);
    expect(c.f1).toBe(0);
  });
});

describe('weighted statistics equal the statistic on the expanded resample', () => {
  const s = sets[0]!;
  const order = scoreOrder(s.scoreArray);
  it('equals rocAuc, ksStatistic and confusionAt with all weights 1', () => {
    const w = ones(s.labels.length);
    expect(weightedAuc(s.labelArray, s.scoreArray, order, w)).toBe(
      rocAuc(s.labelArray, s.scoreArray),
    );
    expect(weightedKs(s.labelArray, s.scoreArray, order, w)).toBe(
      ksStatistic(s.labelArray, s.scoreArray).statistic,
    );
    expect(weightedConfusion(s.labelArray, s.scoreArray, 0.5, w)).toEqual(
      confusionAt(s.labelArray, s.scoreArray, 0.5),
    );
  });
  it('equals the statistics of rows repeated by their weights', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 8 }), fc.nat(3)), {
          minLength: 2,
          maxLength: 60,
        }),
        (rows) => {
          const labels = Uint8Array.from(rows.map((r) => (r[0] ? 1 : 0)));
          const scores = Float64Array.from(rows.map((r) => r[1] / 4));
          const weights = Uint32Array.from(rows.map((r) => r[2]));
          const expanded = rows.flatMap((r) => Array.from({ length: r[2] }, () => r));
          const el = Uint8Array.from(expanded.map((r) => (r[0] ? 1 : 0)));
          const es = Float64Array.from(expanded.map((r) => r[1] / 4));
          const o = scoreOrder(scores);
          const auc = weightedAuc(labels, scores, o, weights);
          const ks = weightedKs(labels, scores, o, weights);
          expect(Object.is(auc, rocAuc(el, es)) || Math.abs(auc - rocAuc(el, es)) < 1e-12).toBe(
            true,
          );
          const ksExpanded = ksStatistic(el, es).statistic;
          expect(Object.is(ks, ksExpanded) || Math.abs(ks - ksExpanded) < 1e-12).toBe(true);
          const wc = weightedConfusion(labels, scores, 0.75, weights);
          const ec = confusionAt(el, es, 0.75);
          expect([wc.tp, wc.fp, wc.tn, wc.fn]).toEqual([ec.tp, ec.fp, ec.tn, ec.fn]);
        },
      ),
    );
  });
});

describe('weightedKs with weights beyond 31 bits', () => {
  it('gives the same statistic as the weights scaled down, whose total fits in 31 bits', () => {
    // Scaling every weight by 2^20 leaves the CDFs and so D unchanged, but the total (> 2^31 − 1)
    // takes the double-precision walk instead of the int32 one.
    const s = sets[0]!;
    const order = scoreOrder(s.scoreArray);
    const small = Uint32Array.from(s.labels, (_, i) => 1 + (i % 3));
    const large = Uint32Array.from(small, (w) => w * 2 ** 20);
    expect(large.reduce((a, b) => a + b, 0)).toBeGreaterThan(2 ** 31);
    expect(weightedKs(s.labelArray, s.scoreArray, order, large)).toBe(
      weightedKs(s.labelArray, s.scoreArray, order, small),
    );
  });
});

describe('AUC properties', () => {
  const rows = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: -20, max: 20 })), {
    minLength: 1,
    maxLength: 80,
  });
  it('flipping the labels gives 1 − AUC', () => {
    fc.assert(
      fc.property(rows, (rs) => {
        const labels = Uint8Array.from(rs.map((r) => (r[0] ? 1 : 0)));
        const flipped = labels.map((v) => 1 - v);
        const scores = Float64Array.from(rs.map((r) => r[1] / 8));
        const auc = rocAuc(labels, scores);
        if (Number.isNaN(auc)) return;
        expect(rocAuc(flipped, scores)).toBeCloseTo(1 - auc, 12);
      }),
    );
  });
  it('negating the scores gives 1 − AUC', () => {
    fc.assert(
      fc.property(rows, (rs) => {
        const labels = Uint8Array.from(rs.map((r) => (r[0] ? 1 : 0)));
        const scores = Float64Array.from(rs.map((r) => r[1] / 8));
        const auc = rocAuc(labels, scores);
        if (Number.isNaN(auc)) return;
        expect(
          rocAuc(
            labels,
            scores.map((v) => -v),
          ),
        ).toBeCloseTo(1 - auc, 12);
      }),
    );
  });
});
