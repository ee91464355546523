/** A seeded pseudo-random stream; the same seed gives the same stream on every platform. */
export interface Rng {
  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** A uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number;
  /** A uniform integer in [0, n) without modulo bias; `n` must be an integer in [1, 2^32]. */
  nextInt(n: number): number;
  /**
   * The next `count` values of `nextUint32`, written to `out[0..count)`: the same stream, without a
   * call per value (the generator state stays in locals for the whole run).
   */
  fillUint32(out: Uint32Array, count: number): void;
}

const TWO_32 = 4294967296;

/**
 * SplitMix32 (the 32-bit variant of Steele, Lea & Flood's SplitMix, with MurmurHash3's finaliser),
 * used only to expand a seed into a well-mixed xoshiro state, as Vigna recommends.
 */
function splitMix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * xoshiro128** 1.1 (Blackman & Vigna 2018, prng.di.unimi.it/xoshiro128starstar.c) from an explicit
 * 128-bit state; exposed so the generator can be checked against the published reference code.
 */
export function xoshiro128StarStar(state: Uint32Array): Rng {
  if (state.length !== 4 || (state[0]! | state[1]! | state[2]! | state[3]!) === 0) {
    throw new RangeError('xoshiro128** needs four state words that are not all zero.');
  }
  let s0 = state[0]! >>> 0;
  let s1 = state[1]! >>> 0;
  let s2 = state[2]! >>> 0;
  let s3 = state[3]! >>> 0;
  const nextUint32 = (): number => {
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  };
  const fillUint32 = (out: Uint32Array, count: number): void => {
    if (!Number.isInteger(count) || count < 0 || count > out.length) {
      throw new RangeError(`fillUint32 needs a count in [0, ${out.length}], got ${count}.`);
    }
    let a = s0 | 0;
    let b = s1 | 0;
    let c = s2 | 0;
    let d = s3 | 0;
    for (let i = 0; i < count; i++) {
      const x = Math.imul(b, 5);
      // Stored modulo 2^32, so the signed product is the same word `nextUint32` returns.
      out[i] = Math.imul((x << 7) | (x >>> 25), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
    }
    s0 = a;
    s1 = b;
    s2 = c;
    s3 = d;
  };
  return {
    nextUint32,
    fillUint32,
    nextFloat: () => ((nextUint32() >>> 5) * 67108864 + (nextUint32() >>> 6)) / 9007199254740992,
    nextInt: (n: number) => {
      if (!Number.isInteger(n) || n < 1 || n > TWO_32) {
        throw new RangeError(`nextInt needs an integer bound in [1, 2^32], got ${n}.`);
      }
      // Rejecting the top partial block of 2^32 keeps every residue equally likely.
      const limit = TWO_32 - (TWO_32 % n);
      for (;;) {
        const x = nextUint32();
        if (x < limit) return x % n;
      }
    },
  };
}

/**
 * A seeded generator: xoshiro128** (Blackman & Vigna) whose state is filled by SplitMix32.
 * Seeds are non-negative safe integers; the high 21 bits are folded in so seeds above 2^32 differ.
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`Seed must be a non-negative safe integer, got ${seed}.`);
  }
  const mix = { s: (seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_32), 0x27d4eb2d) };
  const state = new Uint32Array(4);
  for (let i = 0; i < 4; i++) state[i] = splitMix32(mix);
  if ((state[0]! | state[1]! | state[2]! | state[3]!) === 0) state[0] = 1;
  return xoshiro128StarStar(state);
}
