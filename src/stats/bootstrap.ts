import { normalCdf, normalQuantile } from './normal.js';
import { percentileOfSorted } from './percentile.js';
import { createRng, type Rng } from './rng.js';

export interface BootstrapResult {
  estimate: number;
  ci: [number, number];
  method: 'percentile' | 'bca';
  confidence: number;
  resamples: number;
  seed: number;
  /** BCa bias correction z0. */
  bias?: number;
  acceleration?: number;
}

export interface BootstrapInterval {
  ci: [number, number];
  bias?: number;
  acceleration?: number;
}

const JACKKNIFE_EXACT_MAX = 2000;
const JACKKNIFE_GROUPS = 100;

function quantileAt(sorted: Float64Array, probability: number): number {
  // A NaN level (e.g. zero jackknife spread) has no quantile; SciPy also reports NaN.
  return Number.isFinite(probability) ? percentileOfSorted(sorted, probability * 100) : Number.NaN;
}

/**
 * BCa acceleration from jackknife values (Efron 1987): Σ(θ̄−θᵢ)³ / (6·[Σ(θ̄−θᵢ)²]^{3/2}).
 * Scale-free, so SciPy's (n−1) factors cancel and group-jackknife values can be used as they are.
 */
function jackknifeAcceleration(jackknife: Float64Array): number {
  let mean = 0;
  for (const v of jackknife) mean += v;
  mean /= jackknife.length;
  let sq = 0;
  let cube = 0;
  for (const v of jackknife) {
    const d = mean - v;
    sq += d * d;
    cube += d * d * d;
  }
  return cube / (6 * sq ** 1.5);
}

/**
 * Percentile or BCa interval from bootstrap replicates, transcribing SciPy's `bootstrap`
 * (`_bca_interval`, Efron 1987): z0 = Φ⁻¹((#{θ* < θ̂} + #{θ* ≤ θ̂}) / 2B),
 * α' = Φ(z0 + (z0 + z_α)/(1 − a(z0 + z_α))) at α/2 and 1 − α/2; endpoints are `numpy.percentile`
 * ('linear') of the replicates. BCa needs the jackknife values of the statistic.
 */
export function bootstrapCiFromReplicates(options: {
  estimate: number;
  replicates: Float64Array;
  jackknife?: Float64Array;
  confidence: number;
  method: 'percentile' | 'bca';
}): BootstrapInterval {
  const { estimate, replicates, confidence, method } = options;
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`Confidence must be in (0, 1), got ${confidence}.`);
  }
  const sorted = Float64Array.from(replicates).sort();
  const alpha = (1 - confidence) / 2;
  if (method === 'percentile') {
    return { ci: [quantileAt(sorted, alpha), quantileAt(sorted, 1 - alpha)] };
  }
  if (options.jackknife === undefined || options.jackknife.length < 2) {
    throw new Error('BCa needs at least two jackknife values; pass `jackknife`.');
  }
  let below = 0;
  let atOrBelow = 0;
  for (const v of replicates) {
    if (v < estimate) below++;
    if (v <= estimate) atOrBelow++;
  }
  const bias = normalQuantile((below + atOrBelow) / (2 * replicates.length));
  const acceleration = jackknifeAcceleration(options.jackknife);
  const level = (z: number): number => {
    const num = bias + z;
    return normalCdf(bias + num / (1 - acceleration * num));
  };
  const zAlpha = normalQuantile(alpha);
  return {
    ci: [quantileAt(sorted, level(zAlpha)), quantileAt(sorted, level(-zAlpha))],
    bias,
    acceleration,
  };
}

/** Rows grouped by stratum (a counting sort), so each stratum is resampled within itself. */
function strataMembers(n: number, strata?: Uint8Array): { members: Uint32Array; starts: number[] } {
  const members = new Uint32Array(n);
  if (strata === undefined) {
    for (let i = 0; i < n; i++) members[i] = i;
    return { members, starts: [0, n] };
  }
  if (strata.length !== n) throw new RangeError('Strata need one entry per row.');
  const counts = new Uint32Array(257);
  for (let i = 0; i < n; i++) counts[strata[i]! + 1]!++;
  for (let s = 1; s < 257; s++) counts[s]! += counts[s - 1]!;
  const starts = Array.from(counts);
  for (let i = 0; i < n; i++) members[counts[strata[i]!]!++] = i;
  return { members, starts };
}

/**
 * A statistic of one resample, given the rows drawn (a multiset: a row drawn twice appears twice,
 * and the order carries no meaning). `rows` is a view into a reused buffer; do not keep it.
 */
export type ResampleStatistic = (rows: Uint32Array) => number;

/**
 * A `ResampleStatistic` from a weighted one: `statistic(weights)` sees how many times each of the
 * `n` rows was drawn. The weights buffer is reused between calls; do not keep it.
 */
export function weightedStatistic(
  n: number,
  statistic: (weights: Uint32Array) => number,
): ResampleStatistic {
  const weights = new Uint32Array(n);
  return (rows) => {
    weights.fill(0);
    for (let i = 0; i < rows.length; i++) weights[rows[i]!]!++;
    return statistic(weights);
  };
}

/**
 * One resample: each stratum draws its own size of rows uniformly with replacement, written to
 * `drawn` stratum by stratum. Same draws as `rng.nextInt(size)` per row (reject words ≥ the largest
 * multiple of `size` below 2^32, then take the remainder), but the words come in blocks from
 * `fillUint32`, and the remainder avoids a division per draw: q = ⌊x · (1/size)⌋ is the true
 * quotient or one off (x < 2^32, so the product's relative error of ~2^-52 moves it by far less
 * than 1), and r = x − q·size (exact in doubles) is brought back into [0, size) by one step either
 * way, so r is exactly x mod size. Multiplying is several times cheaper than dividing (or than
 * `%`, which is a floating-point remainder for words ≥ 2^31).
 */
function resampleInto(
  drawn: Uint32Array,
  rng: Rng,
  members: Uint32Array,
  starts: number[],
  words: Uint32Array,
) {
  let out = 0;
  for (let s = 0; s + 1 < starts.length; s++) {
    const start = starts[s]!;
    const size = starts[s + 1]! - start;
    const limit = 4294967296 - (4294967296 % size);
    const inverse = 1 / size;
    for (let left = size; left > 0; ) {
      const count = Math.min(left, words.length);
      rng.fillUint32(words, count);
      for (let i = 0; i < count; i++) {
        const x = words[i]!;
        if (x >= limit) continue;
        let r = x - Math.floor(x * inverse) * size;
        if (r < 0) r += size;
        else if (r >= size) r -= size;
        drawn[out++] = members[start + r]!;
        left--;
      }
    }
  }
}

/**
 * Jackknife values: exact leave-one-out when n ≤ 2000 (the kept rows in a buffer where deleting
 * row i+1 instead of row i rewrites one entry), otherwise 100 interleaved deleted groups.
 */
function jackknifeValues(n: number, statistic: ResampleStatistic): Float64Array {
  if (n <= JACKKNIFE_EXACT_MAX) {
    const kept = new Uint32Array(n - 1);
    for (let i = 1; i < n; i++) kept[i - 1] = i;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (i > 0) kept[i - 1] = i - 1;
      values[i] = statistic(kept);
    }
    return values;
  }
  const kept = new Uint32Array(n);
  const values = new Float64Array(JACKKNIFE_GROUPS);
  for (let g = 0; g < JACKKNIFE_GROUPS; g++) {
    let count = 0;
    for (let i = 0; i < n; i++) if (i % JACKKNIFE_GROUPS !== g) kept[count++] = i;
    values[g] = statistic(kept.subarray(0, count));
  }
  return values;
}

/**
 * Bootstrap confidence interval (Efron & Tibshirani 1993). Each resample reaches `statistic` as
 * the rows drawn, so a statistic can count them the way it needs (per tie group for AUC and KS,
 * as weights through `weightedStatistic` for the rest) instead of materialising the resample.
 * Draws come from `createRng(seed)` (xoshiro128**), so a seed reproduces the interval anywhere.
 * With `strata` every stratum is resampled to its own size (stratified bootstrap, e.g. by class
 * for AUC). BCa's acceleration uses the exact leave-one-out jackknife when n ≤ 2000, otherwise a
 * delete-a-group jackknife with 100 interleaved groups (row i in group i mod 100), which keeps
 * the cost at 100 evaluations.
 */
export function bootstrapCi(options: {
  n: number;
  statistic: ResampleStatistic;
  resamples: number;
  confidence: number;
  seed: number;
  method: 'percentile' | 'bca';
  strata?: Uint8Array;
}): BootstrapResult {
  const { n, statistic, resamples, confidence, seed, method } = options;
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`n must be a positive integer, got ${n}.`);
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`Resamples must be a positive integer, got ${resamples}.`);
  }
  const { members, starts } = strataMembers(n, options.strata);
  const drawn = new Uint32Array(n);
  for (let i = 0; i < n; i++) drawn[i] = i;
  const estimate = statistic(drawn);
  const rng = createRng(seed);
  const replicates = new Float64Array(resamples);
  const words = new Uint32Array(Math.min(n, 65536));
  for (let b = 0; b < resamples; b++) {
    resampleInto(drawn, rng, members, starts, words);
    replicates[b] = statistic(drawn);
  }
  const interval = bootstrapCiFromReplicates({
    estimate,
    replicates,
    confidence,
    method,
    ...(method === 'bca' ? { jackknife: jackknifeValues(n, statistic) } : {}),
  });
  return { estimate, method, confidence, resamples, seed, ...interval };
}
