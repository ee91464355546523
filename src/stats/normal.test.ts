import { describe, expect, it } from 'vitest';
import fixture from '../../test/fixtures/reference/normal.json' with { type: 'json' };
import { normalCdf, normalQuantile } from './normal.js';

/** Relative error, with an absolute floor for values near 0 (SciPy's ndtr/ndtri are Cephes). */
const relError = (actual: number, expected: number): number =>
  Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);

describe('normalCdf against scipy.stats.norm.cdf', () => {
  it('agrees to ~1e-15 relative in the body and to x²·ε in the tails', () => {
    for (const [x, expected] of fixture.cdf as [number, number | null][]) {
      if (expected === null) continue;
      // Φ's relative condition number grows like x² in the lower tail (exp(−x²/2)).
      expect(relError(normalCdf(x), expected), `x = ${x}`).toBeLessThan(4e-15 + 2.5e-16 * x * x);
    }
  });
  it('gives 0 and 1 beyond the representable tails and NaN for NaN', () => {
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(40)).toBe(1);
    expect(normalCdf(Number.NaN)).toBeNaN();
  });
});

describe('normalQuantile (AS 241) against scipy.stats.norm.ppf', () => {
  it('agrees to ~1e-15 relative, including p = 1e-300', () => {
    for (const [p, expected] of fixture.quantile as [number, number | null][]) {
      if (expected === null) continue;
      expect(relError(normalQuantile(p), expected), `p = ${p}`).toBeLessThan(5e-15);
    }
  });
  it('maps 0 and 1 to ∓∞ and rejects values outside [0, 1] with NaN', () => {
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(normalQuantile(1.5)).toBeNaN();
    expect(normalQuantile(-0.1)).toBeNaN();
  });
  it('inverts normalCdf', () => {
    for (const x of [-8, -3.3, -1, 0, 0.5, 2.2, 5]) {
      expect(normalQuantile(normalCdf(x))).toBeCloseTo(x, 9);
    }
  });
});
