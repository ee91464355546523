/**
 * `robustness` gate: the source document's "adversarial or stress tests", measured rather than
 * read from a report. The metric is recomputed on each stressed or perturbed copy of the
 * evaluation set (`robustness/<set>.csv`, the same row ids as the clean predictions) and the
 * worst drop from the clean value is bounded.
 */
import {
  findPredictionMetric,
  type PredictionTable,
  type RobustnessGateSpec,
} from '../domain/index.js';
import { rawPredictionMetrics, unsupportedReason } from './compute-metrics.js';
import { formatList, formatNumber, formatPercent, metricLabel } from './format.js';
import type { GateEvaluator } from './gate.js';
import {
  errorResult,
  gateResult,
  guardEvidence,
  missingEvidenceClause,
  problemsOf,
} from './result.js';

interface SetResult {
  name: string;
  file: string;
  rows: number;
  value: number;
  degradation: number;
}

/**
 * Why `stressed` does not hold the clean set's rows, or undefined when it does: every id once,
 * none missing or extra, and the same true label or target for each id. Order may differ.
 */
function rowMismatch(clean: PredictionTable, stressed: PredictionTable): string | undefined {
  if (clean.ids === undefined || stressed.ids === undefined) {
    return `the rows of ${stressed.source} cannot be matched to the clean predictions without row ids; set evaluationSet.idColumn`;
  }
  const index = new Map<string, number>();
  clean.ids.forEach((id, i) => {
    index.set(id, i);
  });
  if (index.size !== clean.ids.length) {
    return `the clean predictions ${clean.source} repeat a row id, so stress rows cannot be matched to them`;
  }
  const truthA = clean.labels ?? clean.targets;
  const truthB = stressed.labels ?? stressed.targets;
  const seen = new Uint8Array(clean.rowCount);
  for (let i = 0; i < stressed.ids.length; i++) {
    const id = stressed.ids[i]!;
    const at = index.get(id);
    if (at === undefined) {
      return `row ${i + 1} of ${stressed.source} has id "${id}", which is not a row of the clean predictions ${clean.source}`;
    }
    if (seen[at] === 1) return `row ${i + 1} of ${stressed.source} repeats id "${id}"`;
    seen[at] = 1;
    if (truthA?.[at] !== truthB?.[i]) {
      return `row id "${id}" has a different true ${clean.labels ? 'label' : 'target'} in ${stressed.source} than in the clean predictions, so they are not the same rows`;
    }
  }
  const missing = seen.indexOf(0);
  if (missing >= 0) {
    const count = clean.rowCount - stressed.ids.length;
    return `${stressed.source} lacks ${count} of the clean set's row ids (for example "${clean.ids[missing]}"); a stress set must perturb every row of the evaluation set`;
  }
  return undefined;
}

/**
 * Recomputes `spec.metric` on the clean predictions and on every stress set (all of them, or
 * the ones `sets` names), orients each drop so that positive is worse, and passes iff the worst
 * drop is at most `maxDegradation` (times |clean value| when `relative`). A point estimate, not a
 * confidence bound. Missing or unreadable sets, mismatched row ids and undefined values → `error`.
 */
export const robustnessGate: GateEvaluator<RobustnessGateSpec> = (spec, context) => {
  const threshold = `worst drop <= ${spec.maxDegradation}${spec.relative ? ' × |clean value|' : ''}`;
  const label = metricLabel(spec.metric);
  const base = {
    metric: spec.metric,
    maxDegradation: spec.maxDegradation,
    relative: spec.relative,
    sets: spec.sets ?? null,
  };
  const fail = (problem: string, details: Record<string, unknown> = {}) =>
    errorResult(spec, {
      threshold,
      explanation: `${label} cannot be checked under stress: ${problem}.`,
      details: { ...base, ...details },
    });
  return guardEvidence(spec, threshold, () => {
    const { candidate } = context;
    const clean = candidate.predictions;
    if (clean === undefined) {
      return fail(
        missingEvidenceClause(candidate, 'predictions', 'predictions file (the clean set)'),
      );
    }
    const unsupported = unsupportedReason(clean, spec.metric);
    if (unsupported !== undefined) return fail(unsupported);
    const problems = problemsOf(candidate, ['robustness_predictions']);
    if (problems.length > 0) {
      return fail(`the stress sets could not be read (${problems.join('; ')})`, {
        evidenceError: true,
      });
    }
    const available = candidate.stressPredictions ?? {};
    const names = spec.sets ?? Object.keys(available).sort();
    const missing = names.filter((name) => available[name] === undefined);
    if (names.length === 0 || missing.length > 0) {
      const found = Object.keys(available);
      return fail(
        `${names.length === 0 ? 'no stress sets were supplied' : `the stress set${missing.length > 1 ? 's' : ''} ${formatList(missing)} ${missing.length > 1 ? 'are' : 'is'} missing`} (found: ${found.length > 0 ? formatList(found.sort()) : 'none'}); add predictions on each perturbed copy of the evaluation set as robustness/<set>.csv`,
      );
    }
    const t = context.evaluationSet?.decisionThreshold ?? 0.5;
    const higher = findPredictionMetric(spec.metric)?.direction !== 'lower';
    const cleanValue = rawPredictionMetrics(clean, t, 'candidate')[spec.metric] ?? Number.NaN;
    if (Number.isNaN(cleanValue)) return fail(`it is undefined on the clean predictions`);
    const sets: SetResult[] = [];
    for (const name of names) {
      const table = available[name]!;
      const mismatch = rowMismatch(clean, table);
      if (mismatch !== undefined) return fail(mismatch, { evidenceError: true, set: name });
      const value = rawPredictionMetrics(table, t, 'candidate')[spec.metric] ?? Number.NaN;
      if (Number.isNaN(value)) return fail(`it is undefined on the stress set ${name}`);
      const degradation = higher ? cleanValue - value : value - cleanValue;
      sets.push({ name, file: table.source, rows: table.rowCount, value, degradation });
    }
    const worst = sets.reduce((a, b) => (b.degradation > a.degradation ? b : a));
    const allowed = spec.relative
      ? spec.maxDegradation * Math.abs(cleanValue)
      : spec.maxDegradation;
    const pass = worst.degradation <= allowed;
    const allowedText = spec.relative
      ? `${formatPercent(spec.maxDegradation)} of the clean value (${formatNumber(allowed)})`
      : formatNumber(allowed);
    const of =
      sets.length === 1 ? 'the only stress set' : `the worst of ${sets.length} stress sets`;
    return gateResult(spec, {
      outcome: pass ? 'pass' : 'fail',
      observed: worst.degradation,
      threshold,
      explanation: `${label} is ${formatNumber(cleanValue)} on the clean predictions and ${formatNumber(worst.value)} on ${worst.name}, ${of} (a drop of ${formatNumber(worst.degradation)}), ${pass ? 'within' : 'beyond'} the allowed ${allowedText}.`,
      details: {
        ...base,
        decisionThreshold: t,
        cleanValue,
        cleanRows: clean.rowCount,
        allowedDegradation: allowed,
        worstSet: worst.name,
        sets,
      },
      provenance: 'recomputed',
    });
  });
};
