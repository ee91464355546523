import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kpiSourceOf } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import type { KpiSeriesSource } from '../../src/domain/index.js';
import { prometheusKpiSource } from '../../src/kpi-sources/index.js';
import type { CountPoint, ValuesPoint } from '../../src/rollout/index.js';
import {
  freePort,
  type RunningPrometheus,
  startPrometheus,
  waitForScrapes,
} from './prometheus-server.js';

/** A model name that needs escaping both in the exposition format and in PromQL. */
const model = 'recs "eu" \\ v2';
const candidate = '7';
const control = '6';

/** Per second, per version: what the exporter's counters grow by. */
const perSecond = {
  [candidate]: {
    impressions: 10_000,
    clicks: 300,
    latency: { 100: 2_000, 200: 8_000, 400: 10_000 },
  },
  [control]: { impressions: 10_000, clicks: 500, latency: { 100: 6_000, 200: 9_000, 400: 10_000 } },
};
/** The gauge each version serves (constant, so pulled values must equal it exactly). */
const gauge = { [candidate]: 181.5, [control]: 149.25 };

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Text exposition format: counters growing linearly with time, a histogram, a gauge, a decoy. */
function exposition(startedAt: number): string {
  const seconds = (Date.now() - startedAt) / 1000;
  const lines = [
    '# TYPE kpi_impressions_total counter',
    '# TYPE kpi_clicks_total counter',
    '# TYPE kpi_latency_ms histogram',
    '# TYPE kpi_latency_p95_ms gauge',
  ];
  for (const version of [candidate, control] as const) {
    const labels = `model="${escapeLabel(model)}",version="${version}"`;
    const rates = perSecond[version];
    lines.push(`kpi_impressions_total{${labels}} ${Math.floor(rates.impressions * seconds)}`);
    lines.push(`kpi_clicks_total{${labels}} ${Math.floor(rates.clicks * seconds)}`);
    for (const [le, rate] of Object.entries(rates.latency))
      lines.push(`kpi_latency_ms_bucket{${labels},le="${le}"} ${Math.floor(rate * seconds)}`);
    lines.push(
      `kpi_latency_ms_bucket{${labels},le="+Inf"} ${Math.floor(rates.latency[400] * seconds)}`,
    );
    lines.push(`kpi_latency_p95_ms{${labels}} ${gauge[version]}`);
  }
  // Same version, another model: a query that dropped the model label would count these.
  lines.push(
    `kpi_clicks_total{model="recs",version="${candidate}"} ${Math.floor(9_000 * seconds)}`,
  );
  return `${lines.join('\n')}\n`;
}

const clicks = 'sum(increase(kpi_clicks_total{model="{model}",version="{version}"}[{step}]))';
const impressions =
  'sum(increase(kpi_impressions_total{model="{model}",version="{version}"}[{step}]))';
const ctr = { successes: clicks, trials: impressions };
const median = {
  value:
    'histogram_quantile(0.5, sum by (le) (rate(kpi_latency_ms_bucket{model="{model}",version="{version}"}[{step}])))',
};
const p95 = { value: 'kpi_latency_p95_ms{model="{model}",version=~"{version}"}' };

const sources: Record<string, KpiSeriesSource> = {
  ctr: { prometheus: { step: '2s', candidate: ctr, control: ctr } },
  latency_ms: { prometheus: { step: '2s', candidate: median, control: median } },
  latency_p95: { prometheus: { step: '2s', candidate: p95, control: p95 } },
};

let exporter: Server;
let prometheus: RunningPrometheus;

beforeAll(async () => {
  const startedAt = Date.now();
  exporter = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(exposition(startedAt));
  });
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  const { port } = exporter.address() as AddressInfo;
  prometheus = await startPrometheus(`127.0.0.1:${port}`);
  await waitForScrapes(prometheus.url, 9);
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise((resolve) => exporter?.close(resolve));
});

/** The last 6 s that ended at least one step ago, aligned to the 2 s step. */
function lastWindow(): { from: number; to: number; receivedAt: number } {
  const receivedAt = Date.now();
  const to = Math.floor(receivedAt / 2000) * 2000 - 2000;
  return { from: to - 6000, to, receivedAt };
}

function pointsOf<T>(points: readonly unknown[], series: string, arm: string): T[] {
  return points.filter(
    (p) => (p as { series: string }).series === series && (p as { arm: string }).arm === arm,
  ) as T[];
}

describe('prometheusKpiSource against a real Prometheus', () => {
  it('is configured by prometheusUrl, and absent without it', () => {
    expect(kpiSourceOf(loadConfig({ env: {} }))).toBeUndefined();
    try {
      loadConfig({ env: { CLEARANCE_PROMETHEUS_URL: 'ftp://prometheus:9090' } });
      expect.unreachable('an ftp URL was accepted');
    } catch (error) {
      const problems = (error as { problems: { message: string; fix: string }[] }).problems;
      expect(problems.map((p) => p.message.split(':')[0])).toEqual(['prometheusUrl']);
      expect(problems[0]?.fix).toContain('CLEARANCE_PROMETHEUS_URL');
    }
  });

  it('pulls counts and values per arm, one point per step, placed at the start of its step', async () => {
    const config = loadConfig({ env: { CLEARANCE_PROMETHEUS_URL: prometheus.url } });
    const source = kpiSourceOf(config);
    if (!source) throw new Error('expected a KPI source');
    const range = lastWindow();
    const pull = await source.pull({
      model,
      candidateVersion: candidate,
      controlVersion: control,
      sources,
      ...range,
    });
    expect(pull.problems).toEqual([]);
    const starts = [range.from, range.from + 2000, range.from + 4000];
    for (const arm of ['candidate', 'control'] as const) {
      const version = arm === 'candidate' ? candidate : control;
      const counts = pointsOf<CountPoint>(pull.points, 'ctr', arm);
      expect(counts.map((p) => p.at)).toEqual(starts);
      for (const point of counts) {
        expect(point.receivedAt).toBe(range.receivedAt);
        // increase() over 2 s of a counter growing n/s: n × 2, up to scrape jitter. A loaded
        // host's scrapes drift (CI once gave 1.055); a wrong step would be 0.5× or 2×.
        const ratio = point.trials / (perSecond[version].impressions * 2);
        expect(ratio).toBeGreaterThan(0.85);
        expect(ratio).toBeLessThan(1.15);
        expect(point.successes / point.trials).toBeCloseTo(
          perSecond[version].clicks / perSecond[version].impressions,
          3,
        );
      }
      const medians = pointsOf<ValuesPoint>(pull.points, 'latency_ms', arm);
      expect(medians.map((p) => p.at)).toEqual(starts);
      // Linear interpolation inside the bucket holding the middle rank (Prometheus' rule).
      const b = perSecond[version].latency;
      const half = b[400] / 2;
      const expected =
        b[100] >= half ? (half / b[100]) * 100 : 100 + ((half - b[100]) / (b[200] - b[100])) * 100;
      for (const point of medians) {
        expect(point.values).toHaveLength(1);
        expect(point.values[0]).toBeCloseTo(expected, 0);
      }
      const gauges = pointsOf<ValuesPoint>(pull.points, 'latency_p95', arm);
      expect(gauges.map((p) => p.values)).toEqual(starts.map(() => [gauge[version]]));
    }
  }, 30_000);

  it('pulls only the candidate when no control version is given, and nothing not yet complete', async () => {
    const source = prometheusKpiSource({ url: prometheus.url, timeoutMs: 20_000 });
    const receivedAt = Date.now();
    const from = Math.floor(receivedAt / 2000) * 2000;
    const pull = await source.pull({
      model,
      candidateVersion: candidate,
      sources,
      from: from - 2000,
      to: from + 60_000,
      receivedAt,
    });
    expect(pull.problems).toEqual([]);
    expect(new Set(pull.points.map((p) => p.arm))).toEqual(new Set(['candidate']));
    // Only the step [from − 2 s, from) is complete at `receivedAt`.
    expect(new Set(pull.points.map((p) => p.at))).toEqual(new Set([from - 2000]));
  }, 30_000);

  it('turns a bad query, a non-number, an unaggregated count and a dead server into problems', async () => {
    const source = prometheusKpiSource({ url: prometheus.url, timeoutMs: 20_000 });
    const broken: Record<string, KpiSeriesSource> = {
      syntax: { prometheus: { step: '2s', candidate: { value: 'sum(kpi_clicks_total{' } } },
      nan: { prometheus: { step: '2s', candidate: { value: '0 / 0' } } },
      many: {
        prometheus: {
          step: '2s',
          candidate: { successes: 'kpi_clicks_total', trials: 'sum(kpi_impressions_total)' },
        },
      },
      upside: {
        prometheus: {
          step: '2s',
          candidate: {
            successes: 'sum(kpi_impressions_total{model="{model}"})',
            trials: 'sum(kpi_clicks_total{model="{model}"})',
          },
        },
      },
      fine: sources.latency_p95!,
    };
    const pull = await source.pull({
      model,
      candidateVersion: candidate,
      sources: broken,
      ...lastWindow(),
    });
    const reasons = Object.fromEntries(pull.problems.map((p) => [p.series, p.reason]));
    expect(reasons.syntax).toMatch(/^Prometheus refused the query \(bad_data\): .*parse error/);
    expect(reasons.nan).toMatch(/^the query returned NaN at .*, not a finite number$/);
    expect(reasons.many).toMatch(/^successes: the query returned 3 series, not one; aggregate it/);
    expect(reasons.upside).toMatch(
      /successes \d+ and trials \d+ are not counts with successes ≤ trials$/,
    );
    expect(reasons.fine).toBeUndefined();
    expect(pull.points.every((p) => p.series === 'fine')).toBe(true);
    expect(pull.points).toHaveLength(3);

    const dead = prometheusKpiSource({
      url: `http://127.0.0.1:${await freePort()}`,
      timeoutMs: 2000,
    });
    const down = await dead.pull({ model, candidateVersion: candidate, sources, ...lastWindow() });
    expect(down.points).toEqual([]);
    expect(down.problems).toHaveLength(3);
    expect(down.problems[0]?.reason).toMatch(/did not answer: ECONNREFUSED/);
    const long = lastWindow();
    const tooLong = await source.pull({
      model,
      candidateVersion: candidate,
      sources: { fine: sources.latency_p95! },
      ...long,
      from: long.to - 11_001 * 2000,
    });
    expect(tooLong.problems.map((p) => p.reason)).toEqual([
      'the range asks for more than 11000 steps; pull a shorter range',
    ]);
  }, 30_000);

  it('gives up on a server that does not answer in time or answers too much', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const slow = prometheusKpiSource({ url: `http://127.0.0.1:${port}`, timeoutMs: 300 });
      const pull = await slow.pull({
        model,
        candidateVersion: candidate,
        sources: { latency_p95: sources.latency_p95! },
        ...lastWindow(),
      });
      expect(pull.problems.map((p) => p.reason)).toEqual([
        expect.stringMatching(/did not answer: timed out$/),
      ]);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
    const small = prometheusKpiSource({
      url: prometheus.url,
      timeoutMs: 20_000,
      maxResponseBytes: 64,
    });
    const pull = await small.pull({
      model,
      candidateVersion: candidate,
      sources: { latency_p95: sources.latency_p95! },
      ...lastWindow(),
    });
    expect(pull.problems.map((p) => p.reason)).toEqual([
      'Prometheus answered with more than 64 bytes',
    ]);
  }, 30_000);
});
