import { describe, expect, it } from 'vitest';
import fixture from '../../test/fixtures/reference/bootstrap.json' with { type: 'json' };
import { weightedAuc } from './auc.js';
import { bootstrapCi, bootstrapCiFromReplicates, weightedStatistic } from './bootstrap.js';
import { percentile } from './percentile.js';
import { createRng } from './rng.js';
import { scoreOrder } from './score-order.js';

function near(actual: number, expected: number, tol = 1e-9): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol);
}

interface BootstrapCase {
  name: string;
  values?: number[];
  labels?: number[];
  scores?: number[];
  indices: number[][];
  estimate: number;
  replicates: number[];
  jackknife: number[];
  intervals: {
    confidence: number;
    percentile: number[];
    bca: number[];
    bias: number;
    acceleration: number;
  }[];
}

function weightsFrom(indices: number[], n: number): Uint32Array {
  const w = new Uint32Array(n);
  for (const i of indices) w[i]!++;
  return w;
}

function leaveOneOut(n: number, statistic: (w: Uint32Array) => number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    const w = new Uint32Array(n).fill(1);
    w[i] = 0;
    return statistic(w);
  });
}

const weightedMean = (values: Float64Array) => (w: Uint32Array) => {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    sum += w[i]! * values[i]!;
    count += w[i]!;
  }
  return sum / count;
};

/** numpy.median of the resample that `w` describes (row i repeated w[i] times). */
const weightedMedian = (values: Float64Array) => (w: Uint32Array) => {
  const expanded: number[] = [];
  for (let i = 0; i < values.length; i++) for (let k = 0; k < w[i]!; k++) expanded.push(values[i]!);
  return percentile(Float64Array.from(expanded), 50);
};

const [mean, auc, median] = fixture.cases as BootstrapCase[];
if (mean === undefined || auc === undefined || median === undefined) {
  throw new Error('bootstrap.json needs three cases');
}
const values = Float64Array.from(mean.values ?? []);
const labels = Uint8Array.from(auc.labels ?? []);
const scores = Float64Array.from(auc.scores ?? []);
const order = scoreOrder(scores);
const cases = [
  { c: mean, n: values.length, statistic: weightedMean(values) },
  {
    c: auc,
    n: labels.length,
    statistic: (w: Uint32Array) => weightedAuc(labels, scores, order, w),
  },
  {
    c: median,
    n: median.values?.length ?? 0,
    statistic: weightedMedian(Float64Array.from(median.values ?? [])),
  },
];

describe('bootstrapCiFromReplicates against SciPy with fixed resample indices', () => {
  for (const { c, n, statistic } of cases) {
    const replicates = Float64Array.from(c.indices, (row) => statistic(weightsFrom(row, n)));
    const jackknife = leaveOneOut(n, statistic);
    it(`${c.name}: replicates and jackknife from our weighted statistic equal SciPy's inputs`, () => {
      for (const [i, r] of replicates.entries()) near(r, c.replicates[i]!, 1e-12);
      for (const [i, j] of jackknife.entries()) near(j, c.jackknife[i]!, 1e-12);
      near(statistic(new Uint32Array(n).fill(1)), c.estimate, 1e-12);
    });
    for (const e of c.intervals) {
      it(`${c.name}: percentile and BCa (_bca_interval) intervals at ${e.confidence}`, () => {
        const base = { estimate: c.estimate, replicates, confidence: e.confidence };
        const pct = bootstrapCiFromReplicates({ ...base, method: 'percentile' });
        near(pct.ci[0], e.percentile[0]!);
        near(pct.ci[1], e.percentile[1]!);
        const bca = bootstrapCiFromReplicates({ ...base, jackknife, method: 'bca' });
        near(bca.ci[0], e.bca[0]!);
        near(bca.ci[1], e.bca[1]!);
        near(bca.bias ?? Number.NaN, e.bias);
        near(bca.acceleration ?? Number.NaN, e.acceleration);
      });
    }
  }
  it('requires jackknife values for BCa', () => {
    expect(() =>
      bootstrapCiFromReplicates({
        estimate: 0,
        replicates: Float64Array.from([1, 2]),
        confidence: 0.95,
        method: 'bca',
      }),
    ).toThrow(/jackknife/);
  });
});

describe('bootstrapCi', () => {
  const options = {
    n: values.length,
    statistic: weightedStatistic(values.length, weightedMean(values)),
    resamples: 500,
    confidence: 0.95,
    seed: 42,
  };
  it('is reproducible from its seed and differs for another seed', () => {
    const a = bootstrapCi({ ...options, method: 'bca' });
    const b = bootstrapCi({ ...options, method: 'bca' });
    const c = bootstrapCi({ ...options, seed: 43, method: 'bca' });
    expect(a).toEqual(b);
    expect(a.ci).not.toEqual(c.ci);
    expect(a.ci[0]).toBeLessThan(a.estimate);
    expect(a.ci[1]).toBeGreaterThan(a.estimate);
    expect(a.estimate).toBeCloseTo(mean.estimate, 12);
  });
  it('draws each resample as rng.nextInt(stratum size) per row, stratum by stratum', () => {
    // The documented stream (docs/reference/statistics.md § Bootstrap), written the plain way:
    // replay of stored decisions depends on it staying the same.
    const n = 70_003;
    const strata = Uint8Array.from({ length: n }, (_, i) =>
      i % 5 === 0 ? 2 : i % 3 === 0 ? 1 : 0,
    );
    const rng = createRng(11);
    const groups = [0, 1, 2].map((s) => [...strata.keys()].filter((i) => strata[i] === s));
    const expected = Array.from({ length: 3 }, () => {
      const w = new Uint32Array(n);
      for (const rows of groups)
        for (let j = 0; j < rows.length; j++) w[rows[rng.nextInt(rows.length)]!]!++;
      return w;
    });
    const seen: Uint32Array[] = [];
    bootstrapCi({
      n,
      resamples: 3,
      confidence: 0.9,
      seed: 11,
      method: 'percentile',
      strata,
      statistic: weightedStatistic(n, (w) => {
        seen.push(w.slice());
        return 0;
      }),
    });
    expect(seen.slice(1)).toEqual(expected);
  });
  it('keeps each stratum at its own size in every resample', () => {
    const strata = labels;
    const positives = labels.reduce((s, v) => s + v, 0);
    bootstrapCi({
      n: labels.length,
      resamples: 50,
      confidence: 0.9,
      seed: 1,
      method: 'percentile',
      strata,
      statistic: weightedStatistic(labels.length, (w) => {
        let pos = 0;
        let all = 0;
        for (let i = 0; i < w.length; i++) {
          all += w[i]!;
          if (labels[i] === 1) pos += w[i]!;
        }
        expect([pos, all]).toEqual([positives, labels.length]);
        return pos / all;
      }),
    });
  });
  it('uses exact leave-one-out up to 2000 rows and 100 deleted groups above', () => {
    for (const [n, jackknifeCalls] of [
      [2000, 2000],
      [2001, 100],
    ] as const) {
      let calls = 0;
      bootstrapCi({
        n,
        resamples: 3,
        confidence: 0.95,
        seed: 3,
        method: 'bca',
        statistic: weightedStatistic(n, (w) => {
          calls++;
          let s = 0;
          for (let i = 0; i < w.length; i++) s += w[i]! * (i % 7);
          return s;
        }),
      });
      expect(calls).toBe(1 + 3 + jackknifeCalls);
    }
  });
  it('hands the statistic the rows drawn, the jackknife the rows kept', () => {
    const n = 2001;
    const seen: number[][] = [];
    bootstrapCi({
      n,
      resamples: 1,
      confidence: 0.95,
      seed: 5,
      method: 'bca',
      statistic: (rows) => {
        seen.push(Array.from(rows));
        return rows.length;
      },
    });
    const everyRow = Array.from({ length: n }, (_, i) => i);
    expect(seen[0]).toEqual(everyRow);
    expect(seen[1]).toHaveLength(n);
    expect(seen[2]).toEqual(everyRow.filter((i) => i % 100 !== 0));
    expect(seen[101]).toEqual(everyRow.filter((i) => i % 100 !== 99));
    expect(seen).toHaveLength(102);
    const small: number[][] = [];
    bootstrapCi({
      n: 4,
      resamples: 1,
      confidence: 0.95,
      seed: 5,
      method: 'bca',
      statistic: (rows) => {
        small.push(Array.from(rows).sort());
        return rows[0]!;
      },
    });
    expect(small.slice(2)).toEqual([
      [1, 2, 3],
      [0, 2, 3],
      [0, 1, 3],
      [0, 1, 2],
    ]);
  });
});
