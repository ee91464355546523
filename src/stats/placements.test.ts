import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertPairable } from './delong.js';
import { MAX_PAIRED_ROWS, walkPlacements } from './placements.js';
import { SORT_BYTES_PER_ROW, sortScores } from './score-order.js';

/**
 * Each row's DeLong placement as the double the walk computes, counted naively over all rows:
 * V10 = (negatives below + ½ · negatives tied) / n for a positive, V01 = 1 − (positives below +
 * ½ · positives tied) / m for a negative.
 */
function naivePlacements(labels: Uint8Array, scores: Float64Array): number[] {
  const m = labels.reduce((sum, y) => sum + y, 0);
  const n = labels.length - m;
  return Array.from(scores, (s, i) => {
    let below = 0;
    let tied = 0;
    scores.forEach((t, j) => {
      if (labels[j] === labels[i]) return;
      if (t < s) below++;
      else if (t === s) tied++;
    });
    return labels[i] === 1 ? (below + tied / 2) / n : 1 - (below + tied / 2) / m;
  });
}

const score = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map((k) => k / 3),
  fc.constantFrom(0, -0, 5e-324),
  fc.double({ noNaN: true }),
);

describe('walkPlacements (stored placements)', () => {
  it('stores each row’s placement as an integer that halves and divides to the exact double', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ label: fc.integer({ min: 0, max: 1 }), score }), { minLength: 1 }),
        (rows) => {
          const labels = Uint8Array.from(rows, (r) => r.label);
          const scores = Float64Array.from(rows, (r) => r.score);
          const total = rows.length;
          const scratch = new ArrayBuffer((SORT_BYTES_PER_ROW + 4) * total);
          const store = new Uint32Array(scratch, SORT_BYTES_PER_ROW * total, total);
          const walk = walkPlacements(sortScores(scores, labels, scratch), { store });
          const m = walk.positives.count;
          const n = walk.negatives.count;
          const decoded = Array.from(store, (c, i) =>
            labels[i] === 1 ? c / 2 / n : 1 - c / 2 / m,
          );
          // toStrictEqual compares with Object.is: the same doubles, bit for bit.
          expect(decoded).toStrictEqual(naivePlacements(labels, scores));
        },
      ),
      { numRuns: 300 },
    );
  });
  it('carries the stored placements through the next sort in place of the rows', () => {
    const labels = Uint8Array.from([1, 0, 0, 1]);
    const scratch = new ArrayBuffer((SORT_BYTES_PER_ROW + 4) * 4);
    const tags = Uint32Array.from([7, 5, 3, 1]);
    const sorted = sortScores(Float64Array.from([0.4, 0.1, 0.3, 0.2]), labels, scratch, tags);
    expect(Array.from(sorted.rows)).toEqual([5, 0x80000001, 3, 0x80000007]);
  });
  it('refuses the paired test above 2^30 − 1 rows, whose numerators would not fit in a tag', () => {
    expect(2 * MAX_PAIRED_ROWS).toBeLessThan(2 ** 31);
    expect(() => assertPairable(MAX_PAIRED_ROWS + 1)).toThrow(/At most 1073741823 rows/);
  });
});
