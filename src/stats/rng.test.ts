import { describe, expect, it } from 'vitest';
import fixture from '../../test/fixtures/reference/rng.json' with { type: 'json' };
import { createRng, xoshiro128StarStar } from './rng.js';

describe('xoshiro128** against a transcription of the reference C code', () => {
  it('produces the reference stream from state [1, 2, 3, 4]', () => {
    const rng = xoshiro128StarStar(Uint32Array.from([1, 2, 3, 4]));
    const out = fixture.stateOneTwoThreeFour.map(() => rng.nextUint32());
    expect(out).toEqual(fixture.stateOneTwoThreeFour);
  });
  it('rejects the all-zero state, which would emit zeros forever', () => {
    expect(() => xoshiro128StarStar(new Uint32Array(4))).toThrow(/not all zero/);
  });
});

describe('createRng', () => {
  for (const [seed, expected] of Object.entries(fixture.seeded)) {
    it(`pins the stream and the first float for seed ${seed}`, () => {
      const rng = createRng(Number(seed));
      expect(expected.uint32.map(() => rng.nextUint32())).toEqual(expected.uint32);
      expect(rng.nextFloat()).toBe(expected.firstFloat);
    });
  }
  it('rejects seeds that are not non-negative safe integers', () => {
    expect(() => createRng(-1)).toThrow(/Seed/);
    expect(() => createRng(1.5)).toThrow(/Seed/);
  });
  it('draws nextInt uniformly without modulo bias (chi-square, 6 cells)', () => {
    const rng = createRng(99);
    const cells = new Array<number>(6).fill(0);
    const draws = 60_000;
    for (let i = 0; i < draws; i++) cells[rng.nextInt(6)]!++;
    const expected = draws / 6;
    const chi2 = cells.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 99.9th percentile of chi-square with 5 degrees of freedom is 20.52.
    expect(chi2).toBeLessThan(20.52);
  });
  it('fills blocks with the same stream nextUint32 gives, and continues it', () => {
    const expected = createRng(7);
    const reference = Array.from({ length: 1000 }, () => expected.nextUint32());
    const rng = createRng(7);
    const got = [rng.nextUint32()];
    const block = new Uint32Array(600);
    rng.fillUint32(block, 0);
    rng.fillUint32(block, 500);
    got.push(...block.subarray(0, 500));
    got.push(rng.nextUint32(), rng.nextUint32());
    rng.fillUint32(block, 497);
    got.push(...block.subarray(0, 497));
    expect(got).toEqual(reference);
    expect(() => rng.fillUint32(block, 601)).toThrow(/count/);
    expect(() => rng.fillUint32(block, -1)).toThrow(/count/);
  });
  it('keeps nextFloat in [0, 1) and nextInt in range', () => {
    const rng = createRng(5);
    for (let i = 0; i < 10_000; i++) {
      const f = rng.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
      const k = rng.nextInt(3);
      expect(k >= 0 && k < 3).toBe(true);
    }
    expect(() => rng.nextInt(0)).toThrow(/bound/);
  });
});
