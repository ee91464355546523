/**
 * `baseline` gate: the candidate against the production version on the same locked evaluation
 * rows, as a non-inferiority (`maxDegradation`) or superiority (`minImprovement`) test on the
 * lower bound of a two-sided confidence interval of the paired difference.
 */
import {
  type BaselineGateSpec,
  findPredictionMetric,
  type GateProvenance,
  type GateResult,
  type MetricDirection,
  metricDirection,
} from '../domain/index.js';
import {
  type Comparison,
  compareBootstrap,
  compareDelong,
  compareRates,
} from './baseline-comparison.js';
import { findBaselineRows } from './baseline-rows.js';
import { unsupportedReason } from './compute-metrics.js';
import { formatAgainst, formatNumber, formatPercent, formatSigned, metricLabel } from './format.js';
import type { GateContext, GateEvaluator } from './gate.js';
import { isRateMetric } from './reported-metric.js';
import { errorResult, gateResult, guardEvidence, missingEvidenceClause } from './result.js';

type Compared = Comparison | { error: string; details?: Record<string, unknown> };

const noBaselineFix =
  'pass the production version with --baseline, or add the baseline score column to the predictions; for a first model, remove this gate from the transition';

function comparePredictions(
  spec: BaselineGateSpec,
  context: GateContext,
  direction: MetricDirection,
): Compared {
  const table = context.candidate.predictions!;
  const unsupported = unsupportedReason(table, spec.metric);
  if (unsupported !== undefined) return { error: unsupported };
  const test = spec.test === 'auto' ? (spec.metric === 'auc' ? 'delong' : 'bootstrap') : spec.test;
  if (test === 'two-proportion')
    return {
      error: `the two-proportion test needs successes/trials rates, and ${spec.metric} is computed from predictions; use test: auto`,
    };
  if (test === 'delong' && spec.metric !== 'auc')
    return { error: `DeLong's test compares AUCs only, not ${spec.metric}; use test: auto` };
  const rows = findBaselineRows(context, table);
  if ('error' in rows) {
    return {
      error: rows.noBaseline ? `${rows.error}; ${noBaselineFix}` : rows.error,
      details: { noBaseline: rows.noBaseline === true },
    };
  }
  const where = {
    baselineSource: rows.source,
    rowsMatchedBy: rows.matchedBy,
    rows: table.rowCount,
  };
  const comparison =
    test === 'delong'
      ? compareDelong({
          labels: table.labels!,
          candidate: table.scores,
          baseline: rows.scores,
          confidence: spec.confidence,
          direction,
        })
      : compareBootstrap({
          spec,
          direction,
          table,
          baselineScores: rows.scores,
          threshold: context.evaluationSet?.decisionThreshold ?? 0.5,
        });
  return { ...comparison, rows: where };
}

function compareReported(
  spec: BaselineGateSpec,
  context: GateContext,
  direction: MetricDirection,
): Compared {
  const candidate = context.candidate.metrics?.[spec.metric];
  if (candidate === undefined) {
    const clause = findPredictionMetric(spec.metric)
      ? missingEvidenceClause(context.candidate, 'predictions', 'predictions file')
      : context.candidate.metrics === undefined
        ? missingEvidenceClause(context.candidate, 'metrics', 'metrics file')
        : `the metrics file has no "${spec.metric}"`;
    return { error: clause };
  }
  if (!isRateMetric(candidate)) {
    return {
      error: `${spec.metric} is a single self-reported number, and a confidence interval needs predictions or successes/trials counts`,
    };
  }
  if (spec.test !== 'auto' && spec.test !== 'two-proportion')
    return {
      error: `the ${spec.test} test needs predictions; ${spec.metric} is a rate, use test: auto`,
    };
  if (context.baseline === undefined)
    return {
      error: `there is no production baseline to compare with; ${noBaselineFix}`,
      details: { noBaseline: true },
    };
  const baseline = context.baseline.metrics?.[spec.metric];
  if (baseline === undefined || !isRateMetric(baseline)) {
    return { error: `the production baseline reports no ${spec.metric} as successes/trials` };
  }
  return compareRates({ spec, direction, candidate, baseline });
}

/** The lower bound the interval must reach: −δ (non-inferiority) and/or +ε (superiority). */
function requiredLowerBound(spec: BaselineGateSpec, comparison: Comparison) {
  const scale = spec.relative && !comparison.relativeLift ? Math.abs(comparison.baseline) : 1;
  const fromDegradation =
    spec.maxDegradation === undefined ? -Infinity : -spec.maxDegradation * scale;
  const fromImprovement =
    spec.minImprovement === undefined ? -Infinity : spec.minImprovement * scale;
  return {
    scale,
    bound: Math.max(fromDegradation, fromImprovement),
    binding: fromImprovement >= fromDegradation ? 'improvement' : 'degradation',
  } as const;
}

function explain(
  spec: BaselineGateSpec,
  c: Comparison,
  required: ReturnType<typeof requiredLowerBound>,
  pass: boolean,
): string {
  const show = c.relativeLift
    ? (x: number) => (x > 0 ? '+' : '') + formatPercent(x).replace('-', '−')
    : formatSigned;
  const conf = formatPercent(spec.confidence);
  const label = c.relativeLift ? 'relative lift' : 'difference';
  const head = `${metricLabel(spec.metric)} is ${formatNumber(c.candidate)} vs ${formatNumber(c.baseline)} for production (${label} ${show(c.difference)}, ${conf} ${c.testLabel} CI ${show(c.ci[0])} to ${show(c.ci[1])})`;
  // The lower bound and the bound it must reach, with enough decimals to show which side it is on.
  const unit = c.relativeLift ? 100 : 1;
  const suffix = c.relativeLift ? '%' : '';
  const shown = formatAgainst(c.ci[0] * unit, required.bound * unit);
  const signed = c.ci[0] > 0 && shown.value !== '0' ? `+${shown.value}` : shown.value;
  const boundText = `${shown.bound.replace(/^\u2212/, '')}${suffix}`;
  const margin =
    required.binding === 'improvement' ? (spec.minImprovement ?? 0) : (spec.maxDegradation ?? 0);
  const marginText =
    spec.relative && !c.relativeLift
      ? `${formatPercent(margin)} of the baseline (${boundText})`
      : boundText;
  const lower = `the lower bound ${signed}${suffix} of the two-sided ${conf} interval`;
  if (required.binding === 'improvement') {
    return `${head}; ${lower} is ${pass ? 'at or above' : 'below'} the required improvement of ${marginText}.`;
  }
  return `${head}; ${lower} is ${pass ? 'within' : 'beyond'} the allowed degradation of ${marginText}.`;
}

function decide(
  spec: BaselineGateSpec,
  comparison: Comparison,
  base: Record<string, unknown>,
  provenance: GateProvenance,
): GateResult {
  const required = requiredLowerBound(spec, comparison);
  const conf = formatPercent(spec.confidence);
  const threshold = `lower ${conf} bound of ${comparison.relativeLift ? 'relative lift' : 'difference'} >= ${Number(required.bound.toPrecision(6))}`;
  const details = {
    ...base,
    ...comparison.rows,
    test: comparison.test,
    candidateValue: comparison.candidate,
    baselineValue: comparison.baseline,
    difference: comparison.difference,
    ci: comparison.ci,
    requiredLowerBound: required.bound,
    marginScale: required.scale,
    statistics: comparison.details,
  };
  const values = [
    comparison.candidate,
    comparison.baseline,
    comparison.difference,
    ...comparison.ci,
  ];
  if (values.some((v) => !Number.isFinite(v))) {
    return errorResult(spec, {
      threshold,
      details,
      explanation: `${metricLabel(spec.metric)} or its confidence interval is undefined on these rows (for example a class with no rows, or a zero rate), so the comparison cannot be made.`,
    });
  }
  const pass = comparison.ci[0] >= required.bound;
  return gateResult(spec, {
    outcome: pass ? 'pass' : 'fail',
    observed: comparison.difference,
    threshold,
    explanation: explain(spec, comparison, required, pass),
    details,
    provenance,
  });
}

/**
 * Compares candidate and production on `spec.metric` with the paired test that fits it: DeLong
 * for AUC, a seeded stratified BCa bootstrap for other prediction metrics, a two-proportion z
 * test for successes/trials rates. Passes iff the lower bound of the two-sided `confidence`
 * interval of the oriented difference is ≥ −maxDegradation and ≥ minImprovement (margins scaled
 * by |baseline| when `relative`). No baseline, mismatched rows or undefined values → `error`.
 */
export const baselineGate: GateEvaluator<BaselineGateSpec> = (spec, context) => {
  const conf = formatPercent(spec.confidence);
  const threshold = `lower ${conf} bound of difference >= ${spec.minImprovement ?? `-${spec.maxDegradation ?? '?'}`}${spec.relative ? ' × |baseline|' : ''}`;
  const base = {
    metric: spec.metric,
    confidence: spec.confidence,
    relative: spec.relative,
    maxDegradation: spec.maxDegradation ?? null,
    minImprovement: spec.minImprovement ?? null,
    requestedTest: spec.test,
  };
  if (spec.maxDegradation === undefined && spec.minImprovement === undefined) {
    return errorResult(spec, {
      threshold,
      details: base,
      explanation: `The gate sets neither maxDegradation nor minImprovement for ${spec.metric}, so there is no margin to test.`,
    });
  }
  const direction = spec.direction ?? metricDirection(spec.metric);
  if (direction === undefined) {
    return errorResult(spec, {
      threshold,
      details: base,
      explanation: `Clearance does not know whether higher or lower ${spec.metric} is better; set direction: higher or lower on the gate.`,
    });
  }
  return guardEvidence(spec, threshold, () => {
    const usePredictions =
      findPredictionMetric(spec.metric) !== undefined &&
      context.candidate.predictions !== undefined;
    const compared = usePredictions
      ? comparePredictions(spec, context, direction)
      : compareReported(spec, context, direction);
    if ('error' in compared) {
      const explanation = `${metricLabel(spec.metric)} cannot be compared with production: ${compared.error}.`;
      return errorResult(spec, {
        threshold,
        explanation,
        details: { ...base, direction, ...compared.details },
      });
    }
    // Rates from metrics.json are the model owner's own counts; predictions are recomputed.
    return decide(
      spec,
      compared,
      { ...base, direction },
      usePredictions ? 'recomputed' : 'self-reported',
    );
  });
};
