/**
 * `fairness` gate: a group-fairness metric over a sensitive attribute, from predictions at the
 * evaluation set's decision threshold.
 */
import type { CategoricalColumn, FairnessGateSpec, FairnessMetricName } from '../domain/index.js';
import { type FairnessReport, fairnessReport } from '../stats/index.js';
import { boundsText, formatCount, formatList, formatNumber, metricLabel } from './format.js';
import type { GateContext, GateEvaluator } from './gate.js';
import {
  boundsPhrase,
  errorResult,
  gateResult,
  guardEvidence,
  missingEvidenceClause,
  withinBounds,
} from './result.js';

const reportField: Record<FairnessMetricName, keyof FairnessReport> = {
  demographic_parity_difference: 'demographicParityDifference',
  demographic_parity_ratio: 'demographicParityRatio',
  disparate_impact_ratio: 'disparateImpactRatio',
  equalized_odds_difference: 'equalizedOddsDifference',
  equalized_odds_ratio: 'equalizedOddsRatio',
  equal_opportunity_difference: 'equalOpportunityDifference',
  equal_opportunity_ratio: 'equalOpportunityRatio',
};

function groupTable(report: FairnessReport) {
  return report.groups.map((g) => ({
    group: g.value,
    n: g.n,
    positives: g.positives,
    negatives: g.negatives,
    predictedPositive: g.predictedPositive,
    selectionRate: g.selectionRate,
    tpr: g.tpr,
    fpr: g.fpr,
  }));
}

function metricsOf(report: FairnessReport): Record<string, number | null> {
  const values: Record<string, number | null> = {};
  for (const [name, field] of Object.entries(reportField)) {
    values[name] = report[field] as number | null;
  }
  return values;
}

/** `sex (female 0.25, male 0.5)` — selection rates per group, as a reviewer wants to see them. */
function rateSummary(report: FairnessReport): string {
  return report.groups.map((g) => `${g.value} ${formatNumber(g.selectionRate)}`).join(', ');
}

type Inputs =
  | { labels: Uint8Array; scores: Float64Array; groups: CategoricalColumn; rows: number }
  | { error: string; details?: Record<string, unknown> };

function inputsOf(spec: FairnessGateSpec, context: GateContext): Inputs {
  const table = context.candidate.predictions;
  if (table === undefined) {
    return { error: missingEvidenceClause(context.candidate, 'predictions', 'predictions file') };
  }
  if (table.labels === undefined) return { error: `${table.source} has no 0/1 labels` };
  const groups = table.groups[spec.attribute];
  if (groups === undefined) {
    const known = Object.keys(table.groups);
    const list = known.length > 0 ? formatList(known) : 'none';
    return {
      error: `${table.source} has no "${spec.attribute}" column (available: ${list})`,
      details: { availableAttributes: known },
    };
  }
  return { labels: table.labels, scores: table.scores, groups, rows: table.rowCount };
}

/** Why the report cannot be judged (small groups, absent privileged group, undefined metric). */
function unjudgeable(spec: FairnessGateSpec, report: FairnessReport, value: number | null) {
  const small = report.groups.filter((g) => g.n < spec.minGroupSize);
  if (small.length > 0) {
    const names = formatList(small.map((g) => `${g.value} (${formatCount(g.n, 'row')})`));
    const [noun, verb] = small.length > 1 ? ['groups', 'are'] : ['group', 'is'];
    return `cannot be judged: ${noun} ${names} ${verb} smaller than the minimum of ${formatNumber(spec.minGroupSize)} rows.`;
  }
  if (spec.privileged !== undefined && !report.groups.some((g) => g.value === spec.privileged)) {
    return `cannot be computed: the privileged group "${spec.privileged}" does not occur.`;
  }
  if (value === null || !Number.isFinite(value)) {
    const why = report.undefinedReasons.join(' ') || 'the metric is undefined on these rows.';
    return `is undefined: ${why}`;
  }
  return undefined;
}

/**
 * Computes the report with `fairnessReport` (Fairlearn definitions, worst pair of groups, or
 * relative to `privileged` for disparate impact) at score >= the evaluation set's decision
 * threshold (default 0.5) and checks the named metric against inclusive bounds. A group smaller
 * than `minGroupSize` or an undefined metric makes the gate `error`, never a silent 0.
 */
export const fairnessGate: GateEvaluator<FairnessGateSpec> = (spec, context) => {
  const bounds = { min: spec.min, max: spec.max };
  const threshold = boundsText(bounds);
  const label = `${metricLabel(spec.metric)} for ${spec.attribute}`;
  const base = {
    metric: spec.metric,
    attribute: spec.attribute,
    privileged: spec.privileged ?? null,
    minGroupSize: spec.minGroupSize,
    // The bounds as numbers (null when unset), so a chart draws the limit from data.
    min: spec.min ?? null,
    max: spec.max ?? null,
  };
  if (threshold === '') {
    const explanation = `The gate sets neither min nor max for ${spec.metric}, so there is nothing to check.`;
    return errorResult(spec, { threshold: '(none)', details: base, explanation });
  }
  const inputs = inputsOf(spec, context);
  if ('error' in inputs) {
    const explanation = `${label} cannot be computed: ${inputs.error}.`;
    return errorResult(spec, { threshold, details: { ...base, ...inputs.details }, explanation });
  }
  return guardEvidence(spec, threshold, () => {
    const decisionThreshold = context.evaluationSet?.decisionThreshold ?? 0.5;
    const predicted = inputs.scores.map((s) => (s >= decisionThreshold ? 1 : 0));
    const report = fairnessReport({
      labels: inputs.labels,
      predicted: Uint8Array.from(predicted),
      groups: inputs.groups,
      ...(spec.privileged !== undefined ? { privileged: spec.privileged } : {}),
    });
    const value = report[reportField[spec.metric]] as number | null;
    const details = {
      ...base,
      decisionThreshold,
      rows: inputs.rows,
      value,
      groups: groupTable(report),
      metrics: metricsOf(report),
      undefinedReasons: report.undefinedReasons,
    };
    const problem = unjudgeable(spec, report, value);
    if (problem !== undefined || value === null) {
      return errorResult(spec, { threshold, details, explanation: `${label} ${problem}` });
    }
    const ok = withinBounds(value, bounds);
    const shown = boundsPhrase(value, bounds);
    return gateResult(spec, {
      outcome: ok ? 'pass' : 'fail',
      observed: value,
      threshold,
      details,
      explanation: `${label} is ${shown.value} (selection rates ${rateSummary(report)}), ${shown.phrase}.`,
      provenance: 'recomputed',
    });
  });
};
