/**
 * One gate run from evidence already read: the code every gate runner shares (the worker pool
 * the server uses, the in-process runner, `clearance check`). Whatever the evidence did while it
 * was read, the run answers one result per gate: evidence that could not be read at all makes the
 * gates that needed it `error`, with the reason, and a fault inside one gate is that gate's
 * `error` — never a thrown exception that would reach a client as a 500.
 */
import type {
  EvaluationSetSpec,
  EvidenceBundle,
  GateResult,
  GateSpec,
} from '../../domain/index.js';
import { evaluateGates } from '../../gates/index.js';

/** Evidence as a runner read it: the bundle, or why it could not be read at all. */
export type LoadedEvidence = { ok: true; bundle: EvidenceBundle } | { ok: false; problem: string };

/** What a runner is doing, for an over-budget message ("while reading the baseline's evidence"). */
export type GateRunPhase =
  | { step: 'candidate' }
  | { step: 'baseline' }
  | { step: 'gate'; gateId: string };

export function describePhase(phase: GateRunPhase | undefined): string {
  if (phase === undefined) return 'waiting for its worker to begin';
  if (phase.step === 'candidate') return "reading the candidate's evidence";
  if (phase.step === 'baseline') return "reading the production baseline's evidence";
  return `evaluating gate ${phase.gateId}`;
}

export interface GateRunSpec {
  gates: readonly GateSpec[];
  evaluationSet?: EvaluationSetSpec | undefined;
  bypass: readonly string[];
}

/** Columns the gates read from predictions besides label and score (fairness attributes). */
export function groupColumnsFor(gates: readonly GateSpec[]): string[] {
  return [...new Set(gates.flatMap((g) => (g.type === 'fairness' ? [g.attribute] : [])))];
}

function failed(
  spec: GateSpec,
  bypass: ReadonlySet<string>,
  fields: { explanation: string; details: Record<string, unknown> },
): GateResult {
  return {
    gateId: spec.id,
    type: spec.type,
    outcome: 'error',
    observed: null,
    threshold: '(not evaluated)',
    explanation: fields.explanation,
    details: fields.details,
    ...(bypass.has(spec.id) ? { bypassed: true } : {}),
  };
}

/**
 * Every gate of the run as `error` with one explanation: the run could not judge anything (it
 * went over its budget, its worker stopped, or the candidate's evidence could not be read).
 * `details.runFailed` marks such results (a backtest lists the decision as unevaluable).
 */
export function failedGateRun(
  run: GateRunSpec,
  fields: { explanation: string; details: Record<string, unknown> },
): GateResult[] {
  const bypass = new Set(run.bypass);
  const details = { ...fields.details, runFailed: true };
  return run.gates.map((spec) => failed(spec, bypass, { ...fields, details }));
}

/**
 * A gate reads the production baseline's evidence when it compares with it: every `baseline`
 * gate, and an expression that names `baseline` (a string match errs towards `error`).
 */
function readsBaseline(spec: GateSpec): boolean {
  return spec.type === 'baseline' || (spec.type === 'expression' && /\bbaseline\b/.test(spec.expr));
}

/**
 * A gate that reads the baseline, evaluated without it: a baseline gate that found its
 * comparison in the candidate's own baseline score column stands; one that needed the production
 * version's evidence is `error` with the reason that evidence could not be read.
 */
function withoutBaseline(spec: GateSpec, result: GateResult, problem: string): GateResult {
  if (spec.type === 'baseline' && result.details.noBaseline !== true) return result;
  return {
    ...result,
    outcome: 'error',
    observed: null,
    explanation: `The production baseline's stored evidence could not be read, so gate ${spec.id} cannot compare with it: ${problem}. Add the baseline score column to the candidate's predictions, or promote a version whose evidence reads cleanly.`,
    details: { ...result.details, baselineError: problem },
  };
}

function evaluateOne(spec: GateSpec, context: Parameters<typeof evaluateGates>[1]): GateResult {
  try {
    const [result] = evaluateGates([spec], context);
    if (result) return result;
    throw new Error('no result');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return failed(spec, new Set(), {
      explanation: `Gate ${spec.id} could not be evaluated: ${message}. This is a fault in Clearance, not a verdict on the evidence; report it with the evidence digests.`,
      details: { internalError: message },
    });
  }
}

/**
 * Evaluates the run's gates in order on the candidate's evidence and, when there is one, the
 * production baseline's. Gates named in `bypass` are still evaluated and marked `bypassed`.
 * `onGate` is told before each gate (a runner reports it when the run goes over budget).
 */
export function evaluateGateRun(
  input: GateRunSpec & {
    candidate: LoadedEvidence;
    baseline?: LoadedEvidence | undefined;
    onGate?: (gateId: string) => void;
  },
): GateResult[] {
  const { candidate, baseline, evaluationSet } = input;
  if (!candidate.ok) {
    return failedGateRun(input, {
      explanation: `The candidate's stored evidence could not be read: ${candidate.problem}.`,
      details: { evidenceError: candidate.problem },
    });
  }
  const bypass = new Set(input.bypass);
  const context = {
    candidate: candidate.bundle,
    ...(baseline?.ok ? { baseline: baseline.bundle } : {}),
    ...(evaluationSet ? { evaluationSet } : {}),
  };
  return input.gates.map((spec) => {
    input.onGate?.(spec.id);
    let result = evaluateOne(spec, context);
    if (baseline && !baseline.ok && readsBaseline(spec))
      result = withoutBaseline(spec, result, baseline.problem);
    return bypass.has(spec.id) ? { ...result, bypassed: true } : result;
  });
}
