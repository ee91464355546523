/**
 * Latency and cost metrics measured from the load test instead of trusted from metrics.json:
 * recomputed from per-request samples when the evidence has them, else the figure the tool
 * computed itself (k6's summary, Locust's Aggregated row), said to be so.
 */
import type {
  EvidenceBundle,
  GateProvenance,
  LoadTestEvidence,
  MetricGateSpec,
} from '../domain/index.js';
import { percentile, percentileOfSorted } from '../stats/index.js';
import { formatCount, formatNumber, metricLabel } from './format.js';
import type { GateContext } from './gate.js';
import { reportedNumber } from './reported-metric.js';
import { missingEvidenceClause, problemsOf } from './result.js';

/** What a metric gate measured, and where the number came from. */
export interface Measured {
  value: number;
  /** "on the locked evaluation set (2,000 rows)", "as self-reported in the metrics file", … */
  where: string;
  provenance: GateProvenance;
  details: Record<string, unknown>;
}

export type Measurement = Measured | { error: string; details: Record<string, unknown> };

type LoadTestMetric =
  | { kind: 'percentile'; q: number }
  | { kind: 'mean' }
  | { kind: 'max' }
  | { kind: 'cost' };

/** Stated in every recomputed percentile's details, so a reader can reproduce it. */
const percentileDefinition =
  "NumPy's default numpy.percentile (method 'linear', Hyndman–Fan type 7): the sorted samples' value at index (n − 1)·q/100, interpolated linearly between neighbours";

/** Largest difference between a recomputed and a self-reported value that is not worth noting. */
const selfReportTolerance = 1e-6;

/**
 * `latency_p95_ms` (any `latency_p<q>_ms`, `p99_9` for 99.9), `latency_mean_ms`,
 * `latency_max_ms`, and `cost_per_1k_usd`; undefined for anything else.
 */
function loadTestMetric(name: string): LoadTestMetric | undefined {
  if (name === 'cost_per_1k_usd') return { kind: 'cost' };
  if (name === 'latency_mean_ms' || name === 'latency_avg_ms') return { kind: 'mean' };
  if (name === 'latency_max_ms') return { kind: 'max' };
  const match = /^latency_p(\d{1,2}(?:_\d+)?|100)_ms$/.exec(name);
  return match ? { kind: 'percentile', q: Number(match[1]!.replace('_', '.')) } : undefined;
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function maxOf(values: Float64Array): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > max) max = v;
  return max;
}

/** The tool's own names for a figure, most specific first. */
function toolNames(test: LoadTestEvidence, metric: LoadTestMetric): string[] {
  const k6 = test.format === 'k6-summary';
  switch (metric.kind) {
    case 'percentile':
      if (k6) return metric.q === 50 ? ['med', 'p(50)'] : [`p(${metric.q})`];
      return metric.q === 50 ? ['50%', 'Median Response Time'] : [`${metric.q}%`];
    case 'mean':
      return k6 ? ['avg'] : ['Average Response Time'];
    case 'max':
      return k6 ? ['max'] : ['Max Response Time', '100%'];
    case 'cost':
      return [];
  }
}

/** How the tool computed `figure`, in one clause (k6's TrendSink; Locust's stats module). */
function toolDefinition(test: LoadTestEvidence, figure: string, metric: LoadTestMetric): string {
  const file = test.source.slice(test.source.lastIndexOf('/') + 1);
  if (test.format === 'k6-summary') {
    const how =
      metric.kind === 'percentile'
        ? 'k6 interpolates linearly between the sorted durations of all requests, the same definition Clearance uses'
        : `k6's ${figure} over the durations of all requests`;
    return `as k6 computed it (${figure} of http_req_duration in ${file}; ${how})`;
  }
  const how =
    metric.kind === 'percentile' || figure === '100%'
      ? `Locust rounds each response time (to 1 ms below 100 ms, 10 ms below 1 s, 100 ms below 10 s, 1 s above) and reports the largest rounded time with at most ⌊${metric.kind === 'percentile' ? metric.q / 100 : 1}·n⌋ of the n requests faster, so the figure is accurate to the rounding step`
      : `Locust's ${figure.toLowerCase()} of the exact response times`;
  return `as Locust computed it (the "${figure}" column of the Aggregated row in ${file}; ${how})`;
}

function fromSamples(test: LoadTestEvidence, metric: LoadTestMetric): Measured | undefined {
  const file = test.source.slice(test.source.lastIndexOf('/') + 1);
  if (metric.kind === 'cost') {
    if (test.costsUsd === undefined) return undefined;
    const value = 1000 * mean(test.costsUsd);
    return {
      value,
      provenance: 'recomputed',
      where: `from the costs of ${formatCount(test.costsUsd.length, 'request')} in ${file} (1,000 × their mean)`,
      details: {
        source: 'load_test',
        file: test.source,
        format: test.format,
        samples: test.costsUsd.length,
      },
    };
  }
  const samples = test.latenciesMs;
  if (samples === undefined) return undefined;
  const value =
    metric.kind === 'percentile'
      ? percentile(samples, metric.q)
      : metric.kind === 'mean'
        ? mean(samples)
        : maxOf(samples);
  const how =
    metric.kind === 'percentile'
      ? `, the ${formatNumber(metric.q)}th percentile by NumPy's linear interpolation`
      : '';
  return {
    value,
    provenance: 'recomputed',
    where: `from the latencies of ${formatCount(samples.length, 'request')} in ${file}${how}`,
    details: {
      source: 'load_test',
      file: test.source,
      format: test.format,
      samples: samples.length,
      ...(metric.kind === 'percentile'
        ? { percentile: metric.q, percentileDefinition, percentiles: chartPercentiles(samples) }
        : {}),
    },
  };
}

/** p50, p95 and p99 of the samples (same definition), for the version page's latency plot. */
function chartPercentiles(samples: Float64Array): Record<string, number> {
  const sorted = Float64Array.from(samples).sort();
  return {
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
  };
}

function fromSummary(
  spec: { metric: string },
  test: LoadTestEvidence,
  metric: LoadTestMetric,
): Measurement | undefined {
  const summary = test.summary;
  if (summary === undefined || metric.kind === 'cost') return undefined;
  const names = toolNames(test, metric);
  const figure = names.find((name) => summary.figures[name] !== undefined);
  const tool = test.format === 'k6-summary' ? 'k6 summary' : 'Locust stats file';
  if (figure === undefined) {
    const fix =
      test.format === 'k6-summary'
        ? `add ${names[0]} to k6's summaryTrendStats (--summary-trend-stats), or attach the raw samples (k6 run --out json=load_test.ndjson)`
        : 'attach per-request samples as load_test.csv';
    return {
      error: `${metricLabel(spec.metric)} cannot be checked: the ${tool} ${test.source} has no ${names.join(' or ')} figure; ${fix}.`,
      details: { source: 'load_test', file: test.source, format: test.format },
    };
  }
  return {
    value: summary.figures[figure]!,
    provenance: 'tool-summary',
    where: toolDefinition(test, figure, metric),
    details: {
      source: 'load_test',
      file: test.source,
      format: test.format,
      toolFigure: figure,
      ...(summary.requests !== undefined ? { requests: summary.requests } : {}),
    },
  };
}

/** Load-test metrics an expression sees even when metrics.json does not name them. */
const conventionalNames = [
  'latency_p50_ms',
  'latency_p90_ms',
  'latency_p95_ms',
  'latency_p99_ms',
  'latency_mean_ms',
  'latency_max_ms',
  'cost_per_1k_usd',
];

/**
 * The latency and cost figures a bundle's load test gives, by metric name: the conventional
 * names and any load-test metric named in metrics.json, for expression gates.
 */
export function loadTestFigures(
  bundle: EvidenceBundle,
): Record<string, { value: number; provenance: GateProvenance }> {
  const test = bundle.loadTest;
  const figures: Record<string, { value: number; provenance: GateProvenance }> = {};
  if (test === undefined) return figures;
  for (const name of new Set([...conventionalNames, ...Object.keys(bundle.metrics ?? {})])) {
    const metric = loadTestMetric(name);
    if (metric === undefined) continue;
    const measured = fromSamples(test, metric) ?? fromSummary({ metric: name }, test, metric);
    if (measured !== undefined && !('error' in measured)) {
      figures[name] = { value: measured.value, provenance: measured.provenance };
    }
  }
  return figures;
}

/**
 * The value of a latency or cost metric from the candidate's load test: recomputed from raw
 * samples, else the tool's own figure. Undefined when the metric is not a load-test metric or
 * the load test cannot give it (then metrics.json may stand in, labelled self-reported).
 */
export function measureFromLoadTest(
  spec: MetricGateSpec,
  context: GateContext,
): Measurement | undefined {
  const metric = loadTestMetric(spec.metric);
  if (metric === undefined) return undefined;
  const test = context.candidate.loadTest;
  if (test === undefined) {
    if (problemsOf(context.candidate, ['load_test']).length === 0) return undefined;
    const clause = missingEvidenceClause(context.candidate, 'load_test', 'load test file');
    return { error: `${metricLabel(spec.metric)} cannot be computed: ${clause}.`, details: {} };
  }
  const measured = fromSamples(test, metric) ?? fromSummary(spec, test, metric);
  if (measured === undefined || 'error' in measured) return measured;
  const reported = context.candidate.metrics?.[spec.metric];
  if (reported !== undefined) {
    const self = reportedNumber(reported).value;
    measured.details.selfReported = self;
    measured.details.selfReportedDiffers = !(
      Math.abs(self - measured.value) <= selfReportTolerance
    );
  }
  return measured;
}
