/**
 * k6's end-of-test summary as JSON: `handleSummary()`'s data object
 * (`metrics.http_req_duration.values["p(95)"]`) or the older `--summary-export` file, which has
 * the same figures without the `values` level. Only `http_req_duration` (milliseconds) and the
 * `http_reqs` count are read.
 */
import type { LoadTestEvidence } from '../domain/index.js';
import { evidenceError } from './evidence-error.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `values` of a handleSummary metric, or the metric itself in a --summary-export file. */
function figuresOf(metric: Record<string, unknown>): Record<string, unknown> {
  return isObject(metric.values) ? metric.values : metric;
}

/** True when `value` looks like a k6 summary (a `metrics` object with `http_req_duration`). */
export function isK6Summary(value: unknown): boolean {
  return isObject(value) && isObject(value.metrics) && 'http_req_duration' in value.metrics;
}

/** The http_req_duration figures k6 computed; refuses a non-finite or negative figure. */
export function parseK6Summary(value: unknown, file: string): LoadTestEvidence {
  const metrics = isObject(value) && isObject(value.metrics) ? value.metrics : undefined;
  const duration = metrics?.http_req_duration;
  if (!isObject(duration)) {
    throw evidenceError(
      { file, field: 'metrics.http_req_duration' },
      'has no http_req_duration trend, so it is not a k6 end-of-test summary.',
      "Write the summary with k6 run --summary-export=load_test.json, or return {'load_test.json': JSON.stringify(data)} from handleSummary().",
    );
  }
  const figures: Record<string, number> = {};
  for (const [name, raw] of Object.entries(figuresOf(duration))) {
    if (!/^(avg|min|med|max|p\([0-9.]+\))$/.test(name)) continue;
    if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0) {
      throw evidenceError(
        { file, field: `metrics.http_req_duration.${name}` },
        `k6 figure ${name} is ${JSON.stringify(raw)}, not a duration in milliseconds.`,
        'Attach the summary file exactly as k6 wrote it.',
      );
    }
    figures[name] = raw;
  }
  const reqs = metrics?.http_reqs;
  const count = isObject(reqs) ? figuresOf(reqs).count : undefined;
  const requests = typeof count === 'number' && Number.isInteger(count) ? count : undefined;
  return {
    source: file,
    format: 'k6-summary',
    summary: { figures, ...(requests !== undefined ? { requests } : {}) },
  };
}
