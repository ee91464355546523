/**
 * Load-test evidence in the formats tools write (fixtures from scripts/reference/load_test.py),
 * with the recomputed figures compared against numpy's in test/fixtures/reference/load-test.json.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvaluationSetSpec, MetricGateSpec } from '../../src/domain/index.js';
import { loadEvidenceBundle } from '../../src/evidence/index.js';
import { readLoadTest } from '../../src/evidence/read-load-test.js';
import { metricGate } from '../../src/gates/index.js';
import { percentile } from '../../src/stats/index.js';
import reference from '../fixtures/reference/load-test.json' with { type: 'json' };
import { refusal, tempDir, writeTemp } from './helpers.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'load-test');
const qs = [50, 90, 95, 99, 99.9] as const;

function near(actual: number, expected: number, rel = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));
}

function mean(values: Float64Array): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

async function evidenceWith(file: string, as: string, metrics?: string): Promise<string> {
  const dir = await tempDir();
  await copyFile(join(fixtures, file), join(dir, as));
  if (metrics !== undefined) await writeFile(join(dir, 'metrics.json'), metrics);
  return dir;
}

const latencyGate = (metric = 'latency_p95_ms', max = 130): MetricGateSpec => ({
  id: 'latency',
  type: 'metric',
  metric,
  max,
});

describe('per-request latency CSV', () => {
  it('reads every latency and cost, and their percentiles and mean match numpy', async () => {
    const { loadTest } = await readLoadTest(join(fixtures, 'load_test.csv'));
    expect(loadTest?.format).toBe('latency-csv');
    const latencies = loadTest!.latenciesMs!;
    expect(latencies.length).toBe(reference.latencyCsv.n);
    for (const q of qs) near(percentile(latencies, q), reference.latencyCsv.percentiles[q]);
    near(mean(latencies), reference.latencyCsv.mean);
    near(1000 * mean(loadTest!.costsUsd!), reference.latencyCsv.costPer1k);
  });

  it('gates p95 latency and cost per 1k recomputed from the samples, and says how', async () => {
    const dir = await evidenceWith('load_test.csv', 'load_test.csv', '{"latency_p95_ms": 80}');
    const candidate = await loadEvidenceBundle(dir);
    const latency = metricGate(latencyGate(), { candidate });
    near(latency.observed as number, reference.latencyCsv.percentiles['95']);
    expect(latency.outcome).toBe('pass');
    expect(latency.provenance).toBe('recomputed');
    expect(latency.explanation).toBe(
      "Latency p95 ms is 121.247 from the latencies of 1,500 requests in load_test.csv, the 95th percentile by NumPy's linear interpolation, at or below the allowed maximum of 130.",
    );
    // The self-reported 80 ms is recorded beside the recomputed value, never used for the decision.
    expect(latency.details).toMatchObject({ selfReported: 80, selfReportedDiffers: true });
    expect(latency.details.percentileDefinition).toMatch(/method 'linear'/);
    const cost = metricGate(
      { id: 'cost', type: 'metric', metric: 'cost_per_1k_usd', max: 0.05 },
      { candidate },
    );
    near(cost.observed as number, reference.latencyCsv.costPer1k);
    expect(cost.outcome).toBe('fail');
    expect(cost.provenance).toBe('recomputed');
    const p999 = metricGate(latencyGate('latency_p99_9_ms', 400), { candidate });
    near(p999.observed as number, reference.latencyCsv.percentiles['99.9']);
  });

  it('refuses a row whose latency is not a non-negative number, naming row and column', async () => {
    const file = await writeTemp('load_test.csv', 'latency_ms,cost_usd\n12.5,0.0001\n-3,0.0001\n');
    const error = await refusal(readLoadTest(file));
    expect(error.message).toMatch(
      /row 2, column "latency_ms": latency_ms "-3" is not a non-negative number/,
    );
  });

  it('refuses a CSV that is neither per-request samples nor Locust stats, listing its columns', async () => {
    const file = await writeTemp('load_test.csv', 'ms,usd\n12.5,0.0001\n');
    const error = await refusal(readLoadTest(file));
    expect(error.message).toMatch(/neither a "latency_ms" column .* columns found: "ms", "usd"/);
  });
});

describe("k6's --out json lines", () => {
  it('reads every http_req_duration Point and nothing else', async () => {
    const { loadTest } = await readLoadTest(join(fixtures, 'k6.ndjson'));
    expect(loadTest?.format).toBe('k6-json');
    const latencies = loadTest!.latenciesMs!;
    expect(latencies.length).toBe(reference.k6Json.n);
    for (const q of qs) near(percentile(latencies, q), reference.k6Json.percentiles[q]);
    near(mean(latencies), reference.k6Json.mean);
  });

  it('recognises the lines in a .json file (k6 run --out json=load_test.json)', async () => {
    const dir = await evidenceWith('k6.ndjson', 'load_test.json');
    const candidate = await loadEvidenceBundle(dir);
    expect(candidate.loadTest?.format).toBe('k6-json');
    const result = metricGate(latencyGate('latency_p95_ms', 200), { candidate });
    near(result.observed as number, reference.k6Json.percentiles['95']);
    expect(result.provenance).toBe('recomputed');
  });

  it('refuses a file without any http_req_duration sample', async () => {
    const file = await writeTemp(
      'load_test.ndjson',
      '{"type":"Point","data":{"time":"2026-11-02T10:00:00Z","value":5,"tags":null},"metric":"vus"}\n',
    );
    const error = await refusal(readLoadTest(file));
    expect(error.message).toMatch(/no Point lines of metric http_req_duration/);
  });

  it('refuses a line longer than 1 MiB instead of carrying it', async () => {
    const file = await writeTemp('load_test.ndjson', `{"a":1}\n${'x'.repeat(3 << 20)}`);
    const error = await refusal(readLoadTest(file));
    expect(error.message).toMatch(/:2.* is longer than 1 MiB, so it is not a line of k6 output/);
  });

  it('refuses a broken http_req_duration line with its line number', async () => {
    const file = await writeTemp(
      'load_test.ndjson',
      '{"type":"Metric","data":{"type":"trend"},"metric":"http_req_duration"}\n{"type":"Point","metric":"http_req_duration","data":{"value":"slow"}}\n',
    );
    const error = await refusal(readLoadTest(file));
    expect(error.message).toMatch(/:2.*http_req_duration sample is "slow"/);
  });
});

describe("k6's end-of-test summary", () => {
  for (const file of ['k6-summary.json', 'k6-summary-export.json']) {
    it(`takes k6's own figures from ${file} and labels them as the tool's`, async () => {
      const { loadTest, document } = await readLoadTest(join(fixtures, file));
      expect(document).toBeDefined();
      expect(loadTest?.format).toBe('k6-summary');
      expect(loadTest?.summary?.figures).toEqual(reference.k6Summary);
      expect(loadTest?.summary?.requests).toBe(reference.k6Json.n);
      const dir = await evidenceWith(file, 'load_test.json');
      const candidate = await loadEvidenceBundle(dir);
      const result = metricGate(latencyGate('latency_p95_ms', 200), { candidate });
      expect(result.observed).toBe(reference.k6Summary['p(95)']);
      expect(result.provenance).toBe('tool-summary');
      expect(result.explanation).toMatch(
        /as k6 computed it \(p\(95\) of http_req_duration in load_test\.json; k6 interpolates linearly/,
      );
      // The summary still reaches expression gates as JSON.
      expect(candidate.data?.load_test).toEqual(document);
    });
  }

  it('refuses a k6 figure that is not a duration, naming its field', async () => {
    const file = await writeTemp(
      'load_test.json',
      '{"metrics":{"http_req_duration":{"type":"trend","values":{"avg":12,"p(95)":"fast"}}}}',
    );
    const error = await refusal(readLoadTest(file));
    expect(error.message).toMatch(
      /column "metrics\.http_req_duration\.p\(95\)": k6 figure p\(95\) is "fast", not a duration in milliseconds/,
    );
  });

  it('errors when the summary lacks the requested percentile, saying how to export it', async () => {
    const dir = await evidenceWith('k6-summary.json', 'load_test.json');
    const candidate = await loadEvidenceBundle(dir);
    const result = metricGate(latencyGate('latency_p99_ms', 200), { candidate });
    expect(result.outcome).toBe('error');
    expect(result.explanation).toMatch(
      /has no p\(99\) figure; add p\(99\) to k6's summaryTrendStats/,
    );
  });
});

describe("Locust's stats CSV", () => {
  it('takes the Aggregated row and says how Locust computed its percentile', async () => {
    const { loadTest } = await readLoadTest(join(fixtures, 'load_test_stats.csv'));
    expect(loadTest?.format).toBe('locust-stats');
    expect(loadTest?.summary?.requests).toBe(2400);
    for (const [name, value] of Object.entries(reference.locust.figures)) {
      expect(loadTest?.summary?.figures[name]).toBe(value);
    }
    near(loadTest!.summary!.figures['Average Response Time']!, reference.locust.mean);
    const dir = await evidenceWith('load_test_stats.csv', 'load_test_stats.csv');
    const candidate = await loadEvidenceBundle(dir);
    const result = metricGate(latencyGate('latency_p95_ms', 120), { candidate });
    expect(result.observed).toBe(reference.locust.figures['95%']);
    expect(result.outcome).toBe('fail');
    expect(result.provenance).toBe('tool-summary');
    expect(result.explanation).toContain(
      'as Locust computed it (the "95%" column of the Aggregated row in load_test_stats.csv; Locust rounds each response time',
    );
  });

  it('refuses a stats file without the Aggregated row', async () => {
    const dir = await tempDir();
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'load_test_stats.csv');
    await writeFile(file, 'Type,Name,Request Count,Failure Count,95%\nPOST,/v1/eta,10,0,120\n');
    const error = await refusal(readLoadTest(file));
    expect(error.message).toMatch(/has no "Aggregated" row/);
  });
});

describe('choosing and falling back', () => {
  it('prefers raw samples over a tool summary when both are attached', async () => {
    const dir = await evidenceWith('load_test.csv', 'load_test.csv');
    await copyFile(join(fixtures, 'k6-summary.json'), join(dir, 'load_test.json'));
    const candidate = await loadEvidenceBundle(dir);
    expect(candidate.loadTest?.format).toBe('latency-csv');
    expect(candidate.items.find((i) => i.path === 'load_test.json')?.kind).toBe('other');
  });

  it('labels a metrics.json figure as self-reported when there are no raw samples', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'metrics.json'), '{"latency_p95_ms": 80, "cost_per_1k_usd": 0.02}');
    const candidate = await loadEvidenceBundle(dir);
    const result = metricGate(latencyGate(), { candidate });
    expect(result.outcome).toBe('pass');
    expect(result.provenance).toBe('self-reported');
    expect(result.explanation).toBe(
      'Latency p95 ms is 80 as self-reported in the metrics file, with no raw samples or predictions to recompute it from, at or below the allowed maximum of 130.',
    );
  });

  it('errors (never falls back to metrics.json) when the load test cannot be read', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'metrics.json'), '{"latency_p95_ms": 80}');
    await writeFile(join(dir, 'load_test.csv'), 'latency_ms\nfast\n');
    const candidate = await loadEvidenceBundle(dir);
    const result = metricGate(latencyGate(), { candidate });
    expect(result.outcome).toBe('error');
    expect(result.explanation).toMatch(
      /the load test file could not be read \(.*row 1, column "latency_ms"/,
    );
  });
});

const evaluationSet: EvaluationSetSpec = {
  id: 'eta-stress',
  task: 'binary-classification',
  label: 'label',
  score: 'score',
  id_column: 'trip_id',
  decisionThreshold: 0.5,
};

describe('stress sets in the evidence directory', () => {
  it('reads robustness/<set>.csv with the evaluation set columns, keyed by set name', async () => {
    const root = join(import.meta.dirname, '..', 'fixtures', 'robustness');
    const candidate = await loadEvidenceBundle(root, { evaluationSet });
    expect(Object.keys(candidate.stressPredictions ?? {}).sort()).toEqual([
      'gaussian-noise',
      'heavy-occlusion',
    ]);
    expect(candidate.items.filter((i) => i.kind === 'robustness_predictions')).toHaveLength(2);
  });
});
