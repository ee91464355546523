import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aucFromBlockCounts, weightedAuc } from './auc.js';
import { ksFromBlockCounts, weightedKs } from './ks.js';
import { countDrawnByBlock, rankBlocks } from './rank-blocks.js';
import { scoreOrder } from './score-order.js';

function weightsOf(n: number, rows: Uint32Array): Uint32Array {
  const w = new Uint32Array(n);
  for (const r of rows) w[r]!++;
  return w;
}

describe('rankBlocks', () => {
  it('merges runs of tie groups of one class and keeps each mixed tie group alone', () => {
    // Ascending: 0.1 (−), 0.2 (−), 0.3 (+), 0.4 (+ and −), 0.5 (+), 0.6 (+), 0.7 (−).
    const scores = Float64Array.from([0.5, 0.1, 0.4, 0.7, 0.2, 0.3, 0.4, 0.6]);
    const labels = Uint8Array.from([1, 0, 1, 0, 0, 1, 0, 1]);
    const { codes, blocks } = rankBlocks(labels, scores);
    // Blocks: {0.1, 0.2} −, {0.3} +, {0.4} mixed, {0.5, 0.6} +, {0.7} −.
    expect(blocks).toBe(5);
    expect(Array.from(codes)).toEqual([7, 0, 5, 8, 0, 3, 4, 7]);
    // Two mixed tie groups side by side stay two blocks: {1} mixed, {2} mixed, {3} +.
    const two = rankBlocks(Uint8Array.from([1, 0, 0, 1, 1]), Float64Array.from([1, 1, 2, 2, 3]));
    expect(two.blocks).toBe(3);
    expect(Array.from(two.codes)).toEqual([1, 0, 2, 3, 5]);
  });
  it('counts drawn rows per block and class, once per draw', () => {
    const scores = Float64Array.from([0.5, 0.1, 0.4, 0.7, 0.2, 0.3, 0.4, 0.6]);
    const labels = Uint8Array.from([1, 0, 1, 0, 0, 1, 0, 1]);
    const { codes, blocks } = rankBlocks(labels, scores);
    const counts = new Int32Array(2 * blocks).fill(9);
    const positives = countDrawnByBlock(codes, Uint32Array.from([1, 1, 4, 2, 6, 7, 0, 0]), counts);
    expect(positives).toBe(4);
    expect(Array.from(counts)).toEqual([3, 0, 0, 0, 1, 1, 0, 3, 0, 0]);
    expect(() => countDrawnByBlock(codes, new Uint32Array(9), counts)).toThrow(/at most/);
  });
});

describe('AUC and KS from block counts equal the weighted statistics bit for bit', () => {
  const sample = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), {
    minLength: 2,
    maxLength: 120,
  });
  it('on random resamples of data with heavy ties', () => {
    fc.assert(
      fc.property(sample, fc.array(fc.nat(), { minLength: 1, maxLength: 120 }), (data, picks) => {
        const n = data.length;
        const labels = Uint8Array.from(data.map((d) => (d[0] ? 1 : 0)));
        // Coarse and fine scores alike: d[1] % 4 ties nearly always, d[1] / 7 often, 1 / (d[1] + 3)
        // seldom, so runs of one class, mixed tie groups and neighbouring mixed groups all occur.
        const scale = [(v: number) => v % 4, (v: number) => v / 7, (v: number) => 1 / (v + 3)];
        const scores = Float64Array.from(data.map((d, i) => scale[i % 3]!(d[1])));
        const rows = Uint32Array.from(picks.slice(0, n), (p) => p % n);
        const { codes, blocks } = rankBlocks(labels, scores);
        const counts = new Int32Array(2 * blocks);
        const positives = countDrawnByBlock(codes, rows, counts);
        const order = scoreOrder(scores);
        const weights = weightsOf(n, rows);
        expect(aucFromBlockCounts(counts)).toBe(weightedAuc(labels, scores, order, weights));
        expect(ksFromBlockCounts(counts, positives, rows.length - positives)).toBe(
          weightedKs(labels, scores, order, weights),
        );
      }),
      { numRuns: 500 },
    );
  });
  it('when the class totals exceed 2^48 and every gap is divided', () => {
    // Weights of 2^24 per row: totals far beyond the integer walk's bound. Every tie group is
    // mixed here, so each is a block of its own, as rankBlocks makes them above 2^25 rows.
    const scores = Float64Array.from({ length: 400 }, (_, i) => Math.floor(i / 2) / 13);
    const labels = Uint8Array.from({ length: 400 }, (_, i) => i % 2);
    const weights = Uint32Array.from({ length: 400 }, (_, i) => 2 ** 24 + ((i * 7919) % 97));
    const { codes, blocks } = rankBlocks(labels, scores);
    expect(blocks).toBe(200);
    const counts = new Int32Array(2 * blocks);
    let positives = 0;
    let all = 0;
    for (let i = 0; i < 400; i++) {
      counts[codes[i]!]! += weights[i]!;
      positives += labels[i]! * weights[i]!;
      all += weights[i]!;
    }
    expect(positives * (all - positives)).toBeGreaterThan(2 ** 48);
    const expected = weightedKs(labels, scores, scoreOrder(scores), weights);
    expect(expected).toBeGreaterThan(0);
    expect(ksFromBlockCounts(counts, positives, all - positives)).toBe(expected);
  });
});
