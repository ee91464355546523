import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';
import { SORT_BYTES_PER_ROW, scoreOfKey, scoreOrder, sortScores } from './score-order.js';

/** A stable comparator sort, the independent oracle for the radix argsort. */
function comparatorOrder(values: Float64Array): number[] {
  return Array.from(values.keys()).sort((a, b) => values[a]! - values[b]! || a - b);
}

describe('scoreOrder (radix argsort on float64 bits)', () => {
  it('equals a stable comparator sort on arbitrary doubles', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { maxLength: 300 }), (xs) => {
        const values = Float64Array.from(xs);
        expect(Array.from(scoreOrder(values).order)).toEqual(comparatorOrder(values));
      }),
    );
  });
  it('gives the same order with 8-bit digits (below 65,536 rows) and 16-bit digits (above)', () => {
    const rng = createRng(2);
    for (const n of [65_535, 65_536, 70_000]) {
      // Mixed signs and magnitudes with many ties, so every digit of the key varies.
      const values = Float64Array.from({ length: n }, () => {
        const u = rng.nextFloat();
        return u < 0.3 ? Math.round(u * 50) / 7 : (u - 0.6) * 10 ** Math.floor(u * 40 - 20);
      });
      expect(Array.from(scoreOrder(values).order)).toEqual(comparatorOrder(values));
    }
  });
  it('equals a comparator sort on heavily tied values', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 300 }), (xs) => {
        const values = Float64Array.from(xs, (x) => x / 2);
        expect(Array.from(scoreOrder(values).order)).toEqual(comparatorOrder(values));
      }),
    );
  });
  it('orders scores that share their high 32 bits by the low ones, in short and long runs', () => {
    const rng = createRng(3);
    // 1 + k·2^-52 (and its negative) share the key's high word for k < 2^20: one run per sign
    // and base, short (≤ 64 rows, insertion) or long (radix by the low word), ties included.
    for (const n of [300, 5_000, 70_000]) {
      for (const runs of [Math.ceil(n / 20), 3]) {
        const values = Float64Array.from({ length: n }, () => {
          const base = 1 + Math.floor(rng.nextFloat() * runs);
          const k = Math.floor(rng.nextFloat() * (rng.nextFloat() < 0.5 ? 4 : 2 ** 20));
          return (rng.nextFloat() < 0.5 ? -1 : 1) * (base + k * 2 ** -52 * base);
        });
        expect(Array.from(scoreOrder(values).order)).toEqual(comparatorOrder(values));
      }
    }
  });
  it('orders scores whose keys vary in no digit, or in one, of the high word', () => {
    const rng = createRng(4);
    for (const n of [300, 70_000]) {
      // Equal high words (no scatter pass), then high words differing only in their lowest 8 or
      // 16 bits (one pass, which writes the result straight from the scores); low words vary.
      for (const step of [0, 2 ** -20, 2 ** -12]) {
        const values = Float64Array.from({ length: n }, () => {
          const high = Math.floor(rng.nextFloat() * 200) * step;
          return 1 + high + Math.floor(rng.nextFloat() * 9) * 2 ** -52;
        });
        expect(Array.from(scoreOrder(values).order)).toEqual(comparatorOrder(values));
      }
    }
  });
  it('orders infinities, subnormals and signed zeros numerically, −0 tying with +0', () => {
    const values = Float64Array.from([0, -0, Number.POSITIVE_INFINITY, -5e-324, 5e-324, -1e308]);
    expect(Array.from(scoreOrder(values).order)).toEqual([5, 3, 0, 1, 4, 2]);
    // −0 and +0 form one tie group: rows 5 | 3 | 0, 1 | 4 | 2.
    expect(Array.from(scoreOrder(values).groupEnds)).toEqual([1, 2, 4, 5, 6]);
  });
  it('ends a tie group wherever the score changes, and only there', () => {
    const values = Float64Array.from([2, 1, 2, 2, 0.5, 1, 3]);
    expect(Array.from(scoreOrder(values).groupEnds)).toEqual([1, 3, 6, 7]);
  });
  it('does not alias its result to shared scratch', () => {
    const first = scoreOrder(Float64Array.from([3, 1, 2]));
    scoreOrder(Float64Array.from([1, 2, 3]));
    expect(Array.from(first.order)).toEqual([1, 2, 0]);
  });
  it('rejects NaN, naming the row', () => {
    expect(() => scoreOrder(Float64Array.from([0.1, Number.NaN]))).toThrow(/row 1 is NaN/);
  });
  it('reads every score back from its sortable key, both zeros as 0', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { maxLength: 200 }), (xs) => {
        const values = Float64Array.from(xs);
        const n = values.length;
        const sorted = sortScores(
          values,
          new Uint8Array(n),
          new ArrayBuffer(SORT_BYTES_PER_ROW * n),
        );
        for (let k = 0; k < n; k++) {
          const score = values[sorted.rows[k]!]!;
          expect(scoreOfKey(sorted.hi[k]!, sorted.lo[k]!)).toBe(score === 0 ? 0 : score);
        }
      }),
    );
  });
});
