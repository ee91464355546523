import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rocAuc } from './auc.js';
import { rocCurvePoints } from './roc-curve.js';

const trapezoid = (c: { fpr: number[]; tpr: number[] }) =>
  c.fpr.slice(1).reduce((area, x, i) => {
    const x0 = c.fpr[i] as number;
    return area + (x - x0) * (((c.tpr[i] as number) + (c.tpr[i + 1] as number)) / 2);
  }, 0);

describe('rocCurvePoints', () => {
  it('lists the corner points of sklearn roc_curve (drop_intermediate=False)', () => {
    // sklearn: roc_curve([0,0,1,1], [0.1,0.4,0.35,0.8]) → fpr [0,0,0.5,0.5,1], tpr [0,0.5,0.5,1,1]
    const curve = rocCurvePoints(
      Uint8Array.from([0, 0, 1, 1]),
      Float64Array.from([0.1, 0.4, 0.35, 0.8]),
    );
    expect(curve).toEqual({ fpr: [0, 0, 0.5, 0.5, 1], tpr: [0, 0.5, 0.5, 1, 1] });
  });

  it('makes one diagonal step for tied scores, and its area is the AUC', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 20 })), {
          minLength: 2,
          maxLength: 80,
        }),
        (rows) => {
          const labels = Uint8Array.from(rows.map(([l]) => (l ? 1 : 0)));
          const scores = Float64Array.from(rows.map(([, s]) => s / 20));
          const auc = rocAuc(labels, scores);
          if (Number.isNaN(auc)) return;
          const curve = rocCurvePoints(labels, scores, 1000);
          expect(curve.fpr.at(-1)).toBe(1);
          expect(curve.tpr.at(-1)).toBe(1);
          expect(Math.abs(trapezoid(curve) - auc)).toBeLessThan(1e-3);
        },
      ),
    );
  });

  it('thins a long curve to at most maxPoints, keeping both ends', () => {
    const n = 5000;
    const labels = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const scores = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n);
    const curve = rocCurvePoints(labels, scores, 101);
    expect(curve.fpr).toHaveLength(101);
    expect([curve.fpr[0], curve.tpr[0], curve.fpr.at(-1), curve.tpr.at(-1)]).toEqual([0, 0, 1, 1]);
  });
});
