import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './run-cli.js';

/**
 * `clearance eval` end to end, against values computed by independent implementations:
 * R's pROC 1.18 (aSAH, DeLong), scikit-learn/SciPy (AUC, KS, confusion) and NumPy (fairness).
 * Fixtures come from scripts/reference/*.
 */
const fixtures = join(repoRoot, 'test', 'fixtures', 'reference');
const read = <T>(name: string): T => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as T;

interface DelongSet {
  name: string;
  labels: number[];
  scores: Record<string, number[]>;
  single: Record<string, { auc: number; ci95: [number, number] }>;
  paired: {
    a: string;
    b: string;
    confidence: number;
    z: number;
    p: number;
    ci: [number, number];
  }[];
}
interface ClassificationSet {
  name: string;
  labels: number[];
  scores: number[];
  auc: number;
  ks: { statistic: number };
  confusion: {
    threshold: number;
    accuracy: number;
    precision: number;
    recall: number;
    f1: number;
  }[];
}
interface FairnessFixture {
  random: {
    labels: number[];
    predicted: number[];
    values: string[];
    codes: number[];
    expected: {
      groups: { value: string; n: number; selectionRate: number; tpr: number; fpr: number }[];
      demographicParityDifference: number;
      demographicParityRatio: number;
      equalizedOddsDifference: number;
      equalizedOddsRatio: number;
      equalOpportunityDifference: number;
    };
  };
}

function writeCsv(header: string[], columns: (number | string)[][]): string {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-eval-'));
  const file = join(dir, 'predictions.csv');
  const rows = columns[0]?.map((_, i) => columns.map((c) => String(c[i])).join(',')) ?? [];
  writeFileSync(file, `${header.join(',')}\n${rows.join('\n')}\n`);
  return file;
}

async function evalJson(args: string[]): Promise<Record<string, unknown>> {
  const run = await runCli(['eval', ...args, '--format', 'json']);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe('clearance eval agrees with pROC on the aSAH data set', () => {
  const asah = read<{ sets: DelongSet[] }>('delong.json').sets.find((s) => s.name === 'aSAH');
  if (!asah) throw new Error('aSAH missing from the delong fixture');
  const pair = asah.paired.find((p) => p.a === 'wfns' && p.b === 's100b' && p.confidence === 0.95);
  if (!pair) throw new Error('wfns vs s100b missing from the delong fixture');
  const file = writeCsv(
    ['outcome', 'wfns', 's100b'],
    [asah.labels, asah.scores.wfns ?? [], asah.scores.s100b ?? []],
  );
  type PairedReport = {
    metrics: { auc: number; aucCi: [number, number] };
    comparison: {
      baselineAuc: number;
      aucDifference: number;
      delong: { z: number; pValue: number };
      ci95: [number, number];
    };
  };
  let report: PairedReport;
  beforeAll(async () => {
    report = (await evalJson([
      '--predictions',
      file,
      '--label',
      'outcome',
      '--score',
      'wfns',
      '--baseline-score',
      's100b',
    ])) as PairedReport;
  });

  it('matches the AUC and its DeLong CI', async () => {
    expect(report.metrics.auc).toBeCloseTo(asah.single.wfns?.auc ?? Number.NaN, 9);
    expect(report.metrics.aucCi[0]).toBeCloseTo(asah.single.wfns?.ci95[0] ?? Number.NaN, 6);
    expect(report.metrics.aucCi[1]).toBeCloseTo(asah.single.wfns?.ci95[1] ?? Number.NaN, 6);
  });

  it('matches the paired DeLong test, and pROC\u2019s published Z and p', async () => {
    expect(report.comparison.baselineAuc).toBeCloseTo(asah.single.s100b?.auc ?? Number.NaN, 9);
    expect(report.comparison.delong.z).toBeCloseTo(pair.z, 6);
    expect(report.comparison.delong.pValue).toBeCloseTo(pair.p, 6);
    expect(report.comparison.ci95[0]).toBeCloseTo(pair.ci[0], 6);
    expect(report.comparison.ci95[1]).toBeCloseTo(pair.ci[1], 6);
    // Published in pROC's own tests (tests/testthat/test-roc.test.R).
    expect(report.comparison.delong.z).toBeCloseTo(2.20898359144091, 9);
    expect(report.comparison.delong.pValue).toBeCloseTo(0.0271757822291882, 9);
  });
});

describe('clearance eval agrees with scikit-learn and SciPy', () => {
  const sets = read<{ sets: ClassificationSet[] }>('classification.json').sets;
  for (const set of sets.slice(0, 3)) {
    it(`AUC, KS and confusion metrics on ${set.name}`, async () => {
      const confusion = set.confusion[0];
      if (!confusion) throw new Error('no confusion reference');
      const file = writeCsv(['y', 'p'], [set.labels, set.scores.map((s) => s.toPrecision(17))]);
      const report = (await evalJson([
        '--predictions',
        file,
        '--label',
        'y',
        '--score',
        'p',
        '--threshold',
        String(confusion.threshold),
      ])) as {
        metrics: Record<string, number>;
      };
      expect(Math.abs((report.metrics.auc ?? 0) - set.auc)).toBeLessThan(1e-9);
      expect(Math.abs((report.metrics.ks ?? 0) - set.ks.statistic)).toBeLessThan(1e-9);
      for (const key of ['accuracy', 'precision', 'recall', 'f1'] as const) {
        expect(Math.abs((report.metrics[key] ?? 0) - confusion[key])).toBeLessThan(1e-9);
      }
    });
  }
});

describe('clearance eval fairness agrees with NumPy', () => {
  it('per-group rates and the between-group differences', async () => {
    const f = read<FairnessFixture>('fairness.json').random;
    // A score of 1 or 0 with threshold 0.5 reproduces the stored predictions exactly.
    const groups = f.codes.map((c) => f.values[c] ?? '');
    const file = writeCsv(['y', 'p', 'region'], [f.labels, f.predicted, groups]);
    const report = (await evalJson([
      '--predictions',
      file,
      '--label',
      'y',
      '--score',
      'p',
      '--group',
      'region',
    ])) as {
      fairness: {
        region: Record<string, number> & {
          groups: Record<string, { n: number; selectionRate: number; tpr: number; fpr: number }>;
        };
      };
    };
    const region = report.fairness.region;
    for (const g of f.expected.groups) {
      const got = region.groups[g.value];
      expect(got?.n).toBe(g.n);
      expect(got?.selectionRate).toBeCloseTo(g.selectionRate, 12);
      expect(got?.tpr).toBeCloseTo(g.tpr, 12);
      expect(got?.fpr).toBeCloseTo(g.fpr, 12);
    }
    expect(region.demographicParityDifference).toBeCloseTo(
      f.expected.demographicParityDifference,
      12,
    );
    expect(region.demographicParityRatio).toBeCloseTo(f.expected.demographicParityRatio, 12);
    expect(region.equalizedOddsDifference).toBeCloseTo(f.expected.equalizedOddsDifference, 12);
    expect(region.equalizedOddsRatio).toBeCloseTo(f.expected.equalizedOddsRatio, 12);
    expect(region.equalOpportunityDifference).toBeCloseTo(
      f.expected.equalOpportunityDifference,
      12,
    );
  });

  it('reports an undefined TPR as null for a group with no positives, never 0', async () => {
    const file = writeCsv(
      ['y', 'p', 'g'],
      [
        [1, 0, 1, 0, 0, 0],
        [0.9, 0.2, 0.4, 0.7, 0.1, 0.8],
        ['a', 'a', 'a', 'b', 'b', 'b'],
      ],
    );
    const report = (await evalJson([
      '--predictions',
      file,
      '--label',
      'y',
      '--score',
      'p',
      '--group',
      'g',
    ])) as {
      fairness: {
        g: {
          groups: Record<string, { tpr: number | null }>;
          equalOpportunityDifference: number | null;
          undefinedReasons: string[];
        };
      };
    };
    expect(report.fairness.g.groups.b?.tpr).toBeNull();
    expect(report.fairness.g.groups.a?.tpr).toBeCloseTo(0.5, 12);
    expect(report.fairness.g.equalOpportunityDifference).toBeNull();
    expect(report.fairness.g.undefinedReasons.length).toBeGreaterThan(0);
  });
});

describe('clearance eval rejects bad input', () => {
  it('names the file, row and column of a NaN score', async () => {
    const file = writeCsv(
      ['y', 'p'],
      [
        [1, 0, 1],
        [0.3, 'NaN', 0.8],
      ],
    );
    const run = await runCli(['eval', '--predictions', file, '--label', 'y', '--score', 'p']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toMatch(/row 2/);
    expect(run.stderr).toContain('"p"');
  });

  it('refuses a label column with three classes', async () => {
    const file = writeCsv(
      ['y', 'p'],
      [
        [1, 0, 2],
        [0.3, 0.4, 0.8],
      ],
    );
    const run = await runCli(['eval', '--predictions', file, '--label', 'y', '--score', 'p']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/row 3/);
  });

  it('lists the columns it found when one is missing', async () => {
    const file = writeCsv(
      ['y', 'p'],
      [
        [1, 0],
        [0.3, 0.4],
      ],
    );
    const run = await runCli(['eval', '--predictions', file, '--label', 'y', '--score', 'score']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('score');
    expect(run.stderr).toContain('y');
  });
});
