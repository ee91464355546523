/**
 * `expression` gate: a CEL-like boolean over the evidence, for checks no built-in gate covers.
 */
import type { EvidenceBundle, ExpressionGateSpec } from '../domain/index.js';
import { rawPredictionMetrics, unsupportedReason } from './compute-metrics.js';
import { type Environment, evaluate, type Trace } from './expression/evaluate.js';
import { parseExpression } from './expression/parser.js';
import { ExprError, isError, toValue, typeName, type Value } from './expression/values.js';
import type { GateContext, GateEvaluator } from './gate.js';
import { reportedNumber } from './reported-metric.js';
import { errorResult, gateResult, guardEvidence } from './result.js';

type Fields = Record<string, Value | ExprError>;

/** Reported metrics (a rate as successes / trials), overlaid with metrics recomputed from predictions. */
function metricsOf(bundle: EvidenceBundle, recomputed: Record<string, number>): Fields {
  const fields: Fields = {};
  for (const [name, value] of Object.entries(bundle.metrics ?? {})) {
    const number = reportedNumber(value);
    fields[name] = number.problem === undefined ? number.value : new ExprError(number.problem, 0);
  }
  for (const [name, value] of Object.entries(recomputed)) {
    fields[name] = Number.isNaN(value)
      ? new ExprError('is undefined on these predictions', 0)
      : value;
  }
  return fields;
}

function recompute(context: GateContext, which: 'candidate' | 'baseline'): Record<string, number> {
  const own = which === 'candidate' ? context.candidate.predictions : context.baseline?.predictions;
  const threshold = context.evaluationSet?.decisionThreshold ?? 0.5;
  if (which === 'baseline' && context.candidate.predictions?.baselineScores !== undefined) {
    return rawPredictionMetrics(context.candidate.predictions, threshold, 'baseline');
  }
  if (own === undefined || unsupportedReason(own, own.labels ? 'auc' : 'mae') !== undefined)
    return {};
  return rawPredictionMetrics(own, threshold, 'candidate');
}

/**
 * The names an expression sees: `metrics`, `baseline.metrics`, `lineage`, `documents` (kind →
 * true) and `predictions.rows`. Absent evidence is an empty map, so `has(lineage.seed)` is false.
 */
export function expressionEnvironment(context: GateContext): Environment {
  const { candidate, baseline } = context;
  const hasBaseline = baseline !== undefined || candidate.predictions?.baselineScores !== undefined;
  const documents: Fields = {};
  for (const kind of Object.keys(candidate.documents)) documents[kind] = true;
  const lineage = toValue(candidate.lineage ?? {}, 'lineage');
  return {
    metrics: metricsOf(candidate, recompute(context, 'candidate')),
    baseline: hasBaseline
      ? {
          metrics: metricsOf(
            baseline ?? { ...candidate, metrics: {} },
            recompute(context, 'baseline'),
          ),
        }
      : {},
    lineage,
    documents,
    predictions: candidate.predictions ? { rows: candidate.predictions.rowCount } : {},
  };
}

/**
 * Parses and evaluates `spec.expr` afresh (nothing is cached between gates): `true` passes,
 * `false` fails; a syntax error, a runtime error (unknown field, type mismatch, undefined metric)
 * or a non-boolean result is an `error`. Every field read is recorded in `details.inputs`.
 */
export const expressionGate: GateEvaluator<ExpressionGateSpec> = (spec, context) => {
  const threshold = `${spec.expr} is true`;
  const parsed = parseExpression(spec.expr);
  if (!parsed.ok) {
    const { message, column, expected } = parsed.error;
    return errorResult(spec, {
      threshold,
      details: { expr: spec.expr, syntaxError: { column, expected, message } },
      explanation: `The expression does not parse: ${message}`,
    });
  }
  return guardEvidence(spec, threshold, () => {
    const trace: Trace = {};
    const value = evaluate(parsed.expr, expressionEnvironment(context), trace);
    const details = { expr: spec.expr, inputs: trace };
    const what = spec.description ?? `The expression ${spec.expr}`;
    if (isError(value)) {
      return errorResult(spec, {
        threshold,
        details: { ...details, runtimeError: { message: value.message, column: value.column } },
        explanation: `${what} could not be evaluated: ${value.message} (column ${value.column}).`,
      });
    }
    if (typeof value !== 'boolean') {
      return errorResult(spec, {
        threshold,
        details: { ...details, value },
        explanation: `${what} gave a ${typeName(value)}, not true or false.`,
      });
    }
    return gateResult(spec, {
      outcome: value ? 'pass' : 'fail',
      observed: String(value),
      threshold,
      details: { ...details, value },
      explanation: `${what} is ${value}.`,
    });
  });
};
