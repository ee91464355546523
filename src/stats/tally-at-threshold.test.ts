import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { confusionAt, tallyAtThreshold } from './confusion.js';
import { fairnessFromTally, fairnessReport } from './fairness.js';

const row = fc.record({
  label: fc.integer({ min: 0, max: 1 }),
  score: fc.integer({ min: -4, max: 4 }).map((k) => k / 4),
  group: fc.integer({ min: 0, max: 3 }),
});

describe('tallyAtThreshold (confusion and fairness counts in one pass)', () => {
  it('equals confusionAt and fairnessReport on the predictions, on random data with ties', () => {
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 1, maxLength: 200 }),
        fc.constantFrom(-0.5, 0, 0.25, 1, 2),
        (rows, threshold) => {
          const labels = Uint8Array.from(rows, (r) => r.label);
          const scores = Float64Array.from(rows, (r) => r.score);
          const groups = {
            values: ['a', 'b', 'c', 'd'],
            codes: Uint32Array.from(rows, (r) => r.group),
          };
          const predicted = Uint8Array.from(scores, (s) => (s >= threshold ? 1 : 0));
          const { confusion, tally } = tallyAtThreshold({ labels, scores, threshold, groups });
          expect(confusion).toStrictEqual(confusionAt(labels, scores, threshold));
          expect(fairnessFromTally({ values: groups.values, tally })).toStrictEqual(
            fairnessReport({ labels, predicted, groups }),
          );
          const alone = tallyAtThreshold({ labels, scores, threshold });
          expect(alone.confusion).toStrictEqual(confusion);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('refuses a NaN threshold, a NaN score, a code without a value and mismatched lengths', () => {
    const labels = Uint8Array.from([0, 1]);
    const scores = Float64Array.from([0.1, 0.9]);
    const groups = { values: ['a'], codes: Uint32Array.from([0, 0]) };
    expect(() => tallyAtThreshold({ labels, scores, threshold: Number.NaN })).toThrow(/NaN/);
    expect(() =>
      tallyAtThreshold({ labels, scores: Float64Array.from([0.1, Number.NaN]), threshold: 0.5 }),
    ).toThrow(/row 1 is NaN/);
    expect(() =>
      tallyAtThreshold({
        labels,
        scores,
        threshold: 0.5,
        groups: { values: ['a'], codes: Uint32Array.from([0, 1]) },
      }),
    ).toThrow(/Group code 1/);
    expect(() =>
      tallyAtThreshold({
        labels,
        scores,
        threshold: 0.5,
        groups: { ...groups, codes: Uint32Array.from([0]) },
      }),
    ).toThrow(/one entry per row/);
    expect(() => fairnessFromTally({ values: ['a', 'b'], tally: new Float64Array(5) })).toThrow(
      /five counts/,
    );
  });
});
