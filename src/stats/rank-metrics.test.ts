import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { delongAucCi, delongPaired } from './delong.js';
import { ksStatistic } from './ks.js';
import { rankMetrics } from './rank-metrics.js';
import { createRng } from './rng.js';

/** The separate functions `clearance eval` called before the one-sort path, as the oracle. */
function separately(labels: Uint8Array, scores: Float64Array, baseline: Float64Array) {
  return {
    auc: delongAucCi(labels, scores, 0.9),
    ks: ksStatistic(labels, scores),
    comparison: delongPaired(labels, scores, baseline, 0.95),
  };
}

/** Bit-identical: `toStrictEqual` uses Object.is, so NaN = NaN and 0 ≠ −0. */
function expectSame(labels: Uint8Array, scores: Float64Array, baseline: Float64Array): void {
  const fused = rankMetrics({
    labels,
    scores,
    baselineScores: baseline,
    confidence: 0.9,
    pairedConfidence: 0.95,
  });
  expect(fused).toStrictEqual(separately(labels, scores, baseline));
  // Reusing the score column as scratch changes no result, but a −0 KS threshold reads as 0.
  const scratch = Float64Array.from(scores);
  const untouched = Float64Array.from(baseline);
  const consumed = rankMetrics({
    labels,
    scores: scratch,
    baselineScores: untouched,
    confidence: 0.9,
    pairedConfidence: 0.95,
    consumeScores: true,
  });
  const zero = Object.is(fused.ks.threshold, -0);
  expect(consumed).toStrictEqual(zero ? { ...fused, ks: { ...fused.ks, threshold: 0 } } : fused);
  expect(untouched).toStrictEqual(baseline);
  const alone = rankMetrics({ labels, scores, confidence: 0.9, pairedConfidence: 0.95 });
  expect(alone.comparison).toBeUndefined();
  expect(alone.auc).toStrictEqual(fused.auc);
  expect(alone.ks).toStrictEqual(fused.ks);
}

// Scores drawn from few values (many ties), signed zeros, subnormals and wide magnitudes.
const score = fc.oneof(
  fc.integer({ min: -4, max: 4 }).map((k) => k / 4),
  fc.constantFrom(0, -0, 5e-324, -5e-324, 1e300, -1e300),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const row = fc.record({ label: fc.integer({ min: 0, max: 1 }), a: score, b: score });

describe('rankMetrics (one sort per score column)', () => {
  it('equals delongAucCi, ksStatistic and delongPaired bit for bit on random data', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 200 }), (rows) => {
        expectSame(
          Uint8Array.from(rows, (r) => r.label),
          Float64Array.from(rows, (r) => r.a),
          Float64Array.from(rows, (r) => r.b),
        );
      }),
      { numRuns: 300 },
    );
  });
  it('equals them above 65,536 rows, where the sort uses 16-bit digits', () => {
    const rng = createRng(7);
    const n = 70_000;
    const labels = Uint8Array.from({ length: n }, () => (rng.nextFloat() < 0.3 ? 1 : 0));
    const tied = Float64Array.from({ length: n }, () => Math.round(rng.nextFloat() * 1000) / 1000);
    const wide = Float64Array.from({ length: n }, () => (rng.nextFloat() - 0.5) * 1e6);
    expectSame(labels, tied, wide);
    expectSame(labels, wide, tied);
  });
  it('gives NaN AUC and KS when one class is missing, as the separate functions do', () => {
    const scores = Float64Array.from([0.1, 0.2, 0.2]);
    expectSame(new Uint8Array(3), scores, scores);
    expectSame(Uint8Array.from([1, 1, 1]), scores, scores);
  });
  it('refuses a confidence outside (0, 1) and mismatched lengths', () => {
    const labels = Uint8Array.from([0, 1]);
    const scores = Float64Array.from([0.1, 0.9]);
    expect(() => rankMetrics({ labels, scores, confidence: 1, pairedConfidence: 0.95 })).toThrow(
      RangeError,
    );
    expect(() =>
      rankMetrics({
        labels,
        scores,
        baselineScores: Float64Array.from([0.5]),
        confidence: 0.95,
        pairedConfidence: 0.95,
      }),
    ).toThrow(/differ in length/);
  });
});
