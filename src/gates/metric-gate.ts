/**
 * `metric` gate: one value against absolute bounds (`auc >= 0.75`, `latency_p95_ms <= 120`).
 */
import { findPredictionMetric, type MetricGateSpec } from '../domain/index.js';
import { rawPredictionMetrics, unsupportedReason } from './compute-metrics.js';
import { boundsText, formatCount, formatNumber, metricLabel } from './format.js';
import type { GateContext, GateEvaluator } from './gate.js';
import { type Measurement, measureFromLoadTest } from './load-test-metric.js';
import { reportedNumber } from './reported-metric.js';
import {
  boundsPhrase,
  errorResult,
  gateResult,
  guardEvidence,
  missingEvidenceClause,
  problemsOf,
  withinBounds,
} from './result.js';

/** Largest difference between a recomputed and a self-reported value that is not worth noting. */
const selfReportTolerance = 1e-6;

function fromPredictions(spec: MetricGateSpec, context: GateContext): Measurement | undefined {
  const table = context.candidate.predictions;
  if (findPredictionMetric(spec.metric) === undefined) return undefined;
  if (table === undefined) {
    // Without predictions (and without reading problems) a self-reported value may stand in.
    if (problemsOf(context.candidate, ['predictions']).length === 0) return undefined;
    const clause = missingEvidenceClause(context.candidate, 'predictions', 'predictions file');
    return { error: `${metricLabel(spec.metric)} cannot be computed: ${clause}.`, details: {} };
  }
  const unsupported = unsupportedReason(table, spec.metric);
  if (unsupported !== undefined) return { error: `${unsupported}.`, details: {} };
  const threshold = context.evaluationSet?.decisionThreshold ?? 0.5;
  const value = rawPredictionMetrics(table, threshold, 'candidate')[spec.metric] ?? Number.NaN;
  const details: Record<string, unknown> = {
    source: 'predictions',
    file: table.source,
    rows: table.rowCount,
    decisionThreshold: threshold,
  };
  const reported = context.candidate.metrics?.[spec.metric];
  if (reported !== undefined) {
    const self = reportedNumber(reported).value;
    details.selfReported = self;
    details.selfReportedDiffers = !(Math.abs(self - value) <= selfReportTolerance);
  }
  const set = context.evaluationSet?.id;
  const where = `on the locked evaluation set${set ? ` ${set}` : ''} (${formatCount(table.rowCount, 'row')})`;
  return { value, where, details, provenance: 'recomputed' };
}

function fromReportedMetrics(spec: MetricGateSpec, context: GateContext): Measurement {
  const reported = context.candidate.metrics?.[spec.metric];
  if (reported === undefined) {
    const clause =
      context.candidate.metrics === undefined
        ? missingEvidenceClause(context.candidate, 'metrics', 'metrics file')
        : `the metrics file has no "${spec.metric}"`;
    return { error: `${metricLabel(spec.metric)} cannot be checked: ${clause}.`, details: {} };
  }
  const number = reportedNumber(reported);
  const details: Record<string, unknown> = { source: 'metrics', reported };
  if (number.problem !== undefined) {
    return { error: `${metricLabel(spec.metric)} ${number.problem} in the metrics file.`, details };
  }
  const rate = number.rate
    ? `(${formatNumber(number.rate.successes)} of ${formatNumber(number.rate.trials)}) `
    : '';
  return {
    value: number.value,
    where: `${rate}as self-reported in the metrics file, with no raw samples or predictions to recompute it from`,
    provenance: 'self-reported',
    details,
  };
}

/**
 * Checks a metric against inclusive `min`/`max` bounds. Prediction metrics are recomputed from
 * the candidate's predictions (a differing self-reported value is noted in `details`); latency
 * and cost metrics from the load test's raw samples, else the load-testing tool's own figure;
 * other metrics come from the metrics file (a RateMetric as successes / trials) and are labelled
 * `provenance: 'self-reported'`. An undefined value (NaN) is an `error`, never a pass.
 */
export const metricGate: GateEvaluator<MetricGateSpec> = (spec, context) => {
  const bounds = { min: spec.min, max: spec.max };
  const threshold = boundsText(bounds);
  const base = { metric: spec.metric, min: spec.min ?? null, max: spec.max ?? null };
  if (threshold === '') {
    const explanation = `The gate sets neither min nor max for ${spec.metric}, so there is nothing to check.`;
    return errorResult(spec, { threshold: '(none)', explanation, details: base });
  }
  return guardEvidence(spec, threshold, () => {
    const measured =
      fromPredictions(spec, context) ??
      measureFromLoadTest(spec, context) ??
      fromReportedMetrics(spec, context);
    if ('error' in measured) {
      return errorResult(spec, {
        threshold,
        explanation: measured.error,
        details: { ...base, ...measured.details },
      });
    }
    const details = { ...base, ...measured.details, value: measured.value };
    const label = metricLabel(spec.metric);
    if (Number.isNaN(measured.value)) {
      const explanation = `${label} is undefined ${measured.where} (for example no positive rows or no predicted positives), so it cannot be checked.`;
      return errorResult(spec, { threshold, explanation, details });
    }
    const ok = withinBounds(measured.value, bounds);
    const shown = boundsPhrase(measured.value, bounds);
    return gateResult(spec, {
      outcome: ok ? 'pass' : 'fail',
      observed: measured.value,
      threshold,
      explanation: `${label} is ${shown.value} ${measured.where}, ${shown.phrase}.`,
      details,
      provenance: measured.provenance,
    });
  });
};
