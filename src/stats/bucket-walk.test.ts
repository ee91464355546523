import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketScratchWords,
  planBuckets,
  planPair,
  type SegmentWalk,
  walkInBuckets,
} from './bucket-walk.js';
import { delongWalks } from './delong.js';
import { walkPlacements } from './placements.js';
import { createRng } from './rng.js';
import { SORT_BYTES_PER_ROW, sortScores } from './score-order.js';

/** Concatenates the segments and notes where each one ends. */
class Collect implements SegmentWalk {
  readonly rows: number[] = [];
  readonly hi: number[] = [];
  readonly lo: number[] = [];
  readonly ends: number[] = [];
  segment(rows: Uint32Array, hi: Uint32Array, lo: Uint32Array, length: number): void {
    for (let k = 0; k < length; k++) {
      this.rows.push(rows[k]!);
      this.hi.push(hi[k]!);
      this.lo.push(lo[k]!);
    }
    this.ends.push(this.rows.length);
  }
}

function bucketOrder(values: Float64Array, labels: Uint8Array, tags?: Uint32Array): Collect {
  const plan = planBuckets(values);
  const scratch = new Uint32Array(bucketScratchWords(plan));
  const walk = new Collect();
  walkInBuckets({ values, labels, ...(tags ? { tags } : {}), plan, scratch, walk });
  return walk;
}

/** `walkInBuckets` against `sortScores`: the same entries and keys in the same order. */
function expectSameOrder(values: Float64Array, seed: number): void {
  const rng = createRng(seed);
  const n = values.length;
  const labels = Uint8Array.from({ length: n }, () => (rng.nextFloat() < 0.4 ? 1 : 0));
  const tags = Uint32Array.from({ length: n }, () => Math.floor(rng.nextFloat() * 2 ** 31));
  for (const t of [undefined, tags]) {
    const sorted = sortScores(values, labels, new ArrayBuffer(SORT_BYTES_PER_ROW * n), t);
    const walked = bucketOrder(values, labels, t);
    expect(walked.rows).toEqual(Array.from(sorted.rows));
    expect(walked.hi).toEqual(Array.from(sorted.hi));
    expect(walked.lo).toEqual(Array.from(sorted.lo));
    // A segment never ends inside a tie group.
    for (const end of walked.ends.slice(0, -1)) {
      const same = walked.hi[end] === walked.hi[end - 1] && walked.lo[end] === walked.lo[end - 1];
      expect(same).toBe(false);
    }
  }
}

describe('walkInBuckets (bucket by bucket, in cache)', () => {
  it('walks arbitrary doubles in the order sortScores gives', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { maxLength: 400 }), (xs) => {
        expectSameOrder(Float64Array.from(xs), xs.length);
      }),
    );
  });
  it('walks heavily tied values, signed zeros included, in the order sortScores gives', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -4, max: 4 }), { maxLength: 400 }), (xs) => {
        expectSameOrder(
          Float64Array.from(xs, (x) => (x === 0 && xs.length % 2 === 1 ? -0 : x / 2)),
          xs.length,
        );
      }),
    );
  });
  it('sorts large buckets in one and two passes and by the low word', () => {
    const rng = createRng(7);
    for (const n of [3_000, 40_000]) {
      // Clusters narrower than a bucket (several rows per bucket, high words varying in up to
      // 20 bits inside one), runs sharing the high word, and one value repeated throughout.
      const spreads = [2 ** -40, 2 ** -30, 2 ** -12, 1, 2 ** 40];
      for (const spread of spreads) {
        const values = Float64Array.from({ length: n }, () => {
          const u = rng.nextFloat();
          if (u < 0.1) return 0.5;
          if (u < 0.3) return 1 + Math.floor(rng.nextFloat() * 9) * 2 ** -52;
          return (u < 0.65 ? -1 : 1) * (1 + rng.nextFloat() * spread);
        });
        expectSameOrder(values, n);
      }
    }
  });
  it('sorts a bucket of thousands of rows over 13 bits of high word in one wide pass', () => {
    const rng = createRng(9);
    // Two outliers stretch the range to ~25 bits (12-bit buckets, 13 bits left in each, as for
    // scores in (0, 1)); the mass sits in a 2^-8 window at 0.5, a bucket or two of 10,000 rows.
    const mass = Array.from({ length: 20_000 }, () => {
      const x = 0.5 + rng.nextFloat() * 2 ** -8;
      return rng.nextFloat() < 0.3 ? Math.round(x * 1e6) / 1e6 : x;
    });
    const values = Float64Array.from([1e-6, ...mass, 0.99]);
    const plan = planBuckets(values);
    expect(plan.shift).toBe(13);
    expect(plan.largest).toBeGreaterThanOrEqual(2_048);
    expectSameOrder(values, values.length);
  });
  it('gives the very walks of walkPlacements over sortScores, bit for bit', () => {
    const rng = createRng(8);
    const n = 20_000;
    const labels = Uint8Array.from({ length: n }, () => (rng.nextFloat() < 0.3 ? 1 : 0));
    const a = Float64Array.from({ length: n }, () => Math.round(rng.nextFloat() * 5000) / 4999);
    const b = Float64Array.from(a, (x) => x * 0.7 + Math.round(rng.nextFloat() * 300) / 1000);
    const store = new Uint32Array(n);
    const sortedA = sortScores(a, labels, new ArrayBuffer(SORT_BYTES_PER_ROW * n));
    const expectedA = walkPlacements(sortedA, { store });
    const meanPos = expectedA.positives.mean;
    const meanNeg = expectedA.negatives.mean;
    const sortedB = sortScores(b, labels, new ArrayBuffer(SORT_BYTES_PER_ROW * n), store);
    const expectedB = walkPlacements(sortedB, { against: { meanPos, meanNeg } });
    const walks = delongWalks({ labels, scoresA: a, scoresB: b });
    expect(walks.a).toStrictEqual(expectedA);
    expect(walks.a.ks.entry).toBe(sortedA.rows[expectedA.ks.after]);
    expect(walks.paired?.b.cross).toStrictEqual(expectedB.cross);
    expect(walks.paired?.b.positives).toStrictEqual(expectedB.positives);
    expect(walks.paired?.b.negatives).toStrictEqual(expectedB.negatives);
  });
  it('rejects NaN, naming the row', () => {
    expect(() => planBuckets(Float64Array.from([0.1, 0.2, Number.NaN]))).toThrow(/row 2 is NaN/);
  });
  it('plans two columns at once as it plans each alone, and counts the positive labels', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.double({ noNaN: true }), fc.integer({ min: -3, max: 3 }), fc.boolean()),
          { maxLength: 300 },
        ),
        (rows) => {
          const a = Float64Array.from(rows, ([x]) => x);
          // Tied values, signed zeros and a narrow range in the second column.
          const b = Float64Array.from(rows, ([, k]) => (k === 0 ? -0 : k / 8));
          const labels = Uint8Array.from(rows, ([, , y]) => (y ? 1 : 0));
          const paired = planPair({ labels, a, b });
          expect(paired.a).toStrictEqual(planBuckets(a));
          expect(paired.b).toStrictEqual(planBuckets(b));
          expect(paired.positives).toBe(rows.filter(([, , y]) => y).length);
        },
      ),
    );
  });
  it('names the NaN of the first column before that of the second, as planning each would', () => {
    const labels = new Uint8Array(4);
    const nan = Number.NaN;
    const plan = (a: number[], b: number[]) =>
      planPair({ labels, a: Float64Array.from(a), b: Float64Array.from(b) });
    expect(() => plan([0.1, 0.2, 0.3, nan], [0.1, nan, 0.3, 0.4])).toThrow(/row 3 is NaN/);
    expect(() => plan([0.1, nan, 0.3, 0.4], [nan, 0.2, 0.3, 0.4])).toThrow(/row 1 is NaN/);
    expect(() => plan([0.1, 0.2, 0.3, 0.4], [0.1, 0.2, nan, nan])).toThrow(/row 2 is NaN/);
  });
});
