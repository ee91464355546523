/**
 * NumPy's `_lerp`: a + (b−a)·t, but b − (b−a)(1−t) when t ≥ ½, so results are exact at both ends
 * and bit-identical to `numpy.percentile`.
 */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Percentile of already ascending-sorted values by NumPy's default `method='linear'`
 * (Hyndman & Fan 1996, type 7): virtual index (n−1)·q/100, linear between neighbours.
 */
export function percentileOfSorted(sorted: Float64Array, q: number): number {
  if (!(q >= 0 && q <= 100)) throw new RangeError(`Percentile must be in [0, 100], got ${q}.`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  // Typed-array sort puts NaN last, and NumPy returns NaN when any value is NaN.
  if (Number.isNaN(sorted[n - 1]!)) return Number.NaN;
  const virtual = (n - 1) * (q / 100);
  const below = Math.floor(virtual);
  const lo = Math.min(Math.max(below, 0), n - 1);
  const hi = Math.min(lo + 1, n - 1);
  return lerp(sorted[lo]!, sorted[hi]!, virtual - below);
}

/**
 * The q-th percentile (0..100) as `numpy.percentile(values, q)` with the default 'linear' method
 * (Hyndman–Fan type 7). NaN for empty input or when any value is NaN; the input is not mutated.
 */
export function percentile(values: Float64Array, q: number): number {
  return percentileOfSorted(Float64Array.from(values).sort(), q);
}
