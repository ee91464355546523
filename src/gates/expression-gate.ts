/**
 * `expression` gate: a CEL-like boolean over the evidence, for checks no built-in gate covers.
 */
import type { EvidenceBundle, ExpressionGateSpec, GateProvenance } from '../domain/index.js';
import { rawPredictionMetrics, unsupportedReason } from './compute-metrics.js';
import { type Environment, evaluate, type Trace } from './expression/evaluate.js';
import { parseExpression } from './expression/parser.js';
import { ExprError, isError, toValue, typeName, type Value } from './expression/values.js';
import type { GateContext, GateEvaluator } from './gate.js';
import { loadTestFigures } from './load-test-metric.js';
import { reportedNumber } from './reported-metric.js';
import { errorResult, gateResult, guardEvidence } from './result.js';

type Fields = Record<string, Value | ExprError>;
type Provenances = Record<string, GateProvenance>;

/**
 * Reported metrics (a rate as successes / trials), overlaid with latency and cost from the load
 * test and with metrics recomputed from predictions; `provenance` records where each came from.
 */
function metricsOf(
  bundle: EvidenceBundle,
  recomputed: Record<string, number>,
  provenance: Provenances,
): Fields {
  const fields: Fields = {};
  for (const [name, value] of Object.entries(bundle.metrics ?? {})) {
    const number = reportedNumber(value);
    fields[name] = number.problem === undefined ? number.value : new ExprError(number.problem, 0);
    provenance[name] = 'self-reported';
  }
  for (const [name, figure] of Object.entries(loadTestFigures(bundle))) {
    fields[name] = figure.value;
    provenance[name] = figure.provenance;
  }
  for (const [name, value] of Object.entries(recomputed)) {
    fields[name] = Number.isNaN(value)
      ? new ExprError('is undefined on these predictions', 0)
      : value;
    provenance[name] = 'recomputed';
  }
  return fields;
}

const metricPath = /^(baseline\.)?metrics(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[("(?:[^"\\]|\\.)*")\])$/;

/** The metrics-file values an evaluation read, and the least trustworthy provenance among its metrics. */
function provenanceOf(trace: Trace, sources: Provenances) {
  const selfReported: string[] = [];
  let provenance: GateProvenance | undefined;
  const rank: Record<GateProvenance, number> = {
    recomputed: 0,
    'tool-summary': 1,
    'self-reported': 2,
  };
  for (const path of Object.keys(trace)) {
    const match = metricPath.exec(path);
    if (!match) continue;
    const name = match[2] ?? (JSON.parse(match[3]!) as string);
    const source = sources[`${match[1] ?? ''}${name}`];
    if (source === undefined) continue;
    if (source === 'self-reported') selfReported.push(path);
    if (provenance === undefined || rank[source] > rank[provenance]) provenance = source;
  }
  return { selfReported, provenance };
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
export function expressionEnvironment(
  context: GateContext,
  sources: Provenances = {},
): Environment {
  const baselineSources: Provenances = {};
  const { candidate, baseline } = context;
  const hasBaseline = baseline !== undefined || candidate.predictions?.baselineScores !== undefined;
  const documents: Fields = {};
  for (const kind of Object.keys(candidate.documents)) documents[kind] = true;
  const lineage = toValue(candidate.lineage ?? {}, 'lineage');
  return {
    metrics: metricsOf(candidate, recompute(context, 'candidate'), sources),
    baseline: hasBaseline
      ? {
          metrics: withPrefixed(
            metricsOf(
              baseline ?? baselineColumnBundle(candidate),
              recompute(context, 'baseline'),
              baselineSources,
            ),
            baselineSources,
            sources,
          ),
        }
      : {},
    lineage,
    documents,
    predictions: candidate.predictions ? { rows: candidate.predictions.rowCount } : {},
  };
}

/** For a baseline score column: the candidate's bundle without its own metrics and load test. */
function baselineColumnBundle(candidate: EvidenceBundle): EvidenceBundle {
  const { loadTest: _candidateOnly, ...rest } = candidate;
  return { ...rest, metrics: {} };
}

function withPrefixed(fields: Fields, from: Provenances, into: Provenances): Fields {
  for (const [name, source] of Object.entries(from)) into[`baseline.${name}`] = source;
  return fields;
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
    const sources: Provenances = {};
    const value = evaluate(parsed.expr, expressionEnvironment(context, sources), trace);
    const { selfReported, provenance } = provenanceOf(trace, sources);
    const details = {
      expr: spec.expr,
      inputs: trace,
      ...(selfReported.length > 0 ? { selfReportedInputs: selfReported } : {}),
    };
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
    const from =
      selfReported.length > 0
        ? ` (reading the self-reported metrics-file value${selfReported.length > 1 ? 's' : ''} ${selfReported.join(', ')})`
        : '';
    return gateResult(spec, {
      outcome: value ? 'pass' : 'fail',
      observed: String(value),
      threshold,
      details: { ...details, value },
      explanation: `${what} is ${value}${from}.`,
      ...(provenance !== undefined ? { provenance } : {}),
    });
  });
};
