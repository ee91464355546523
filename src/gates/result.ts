/**
 * Builders for gate results and the evidence-problem wording every gate shares, so that a
 * missing or unreadable piece of evidence is always an `error` worded the same way.
 */
import {
  type EvidenceBundle,
  type EvidenceKind,
  formatProblem,
  type GateOutcome,
  type GateProvenance,
  type GateResult,
  type GateSpec,
} from '../domain/index.js';
import { formatAgainst } from './format.js';

export interface ResultFields {
  outcome: GateOutcome;
  observed: number | string | null;
  threshold: string;
  explanation: string;
  details?: Record<string, unknown>;
  /** Where the judged number came from; set by gates that judge a number. */
  provenance?: GateProvenance;
}

/** A result for `spec`; `details` always carries the gate id and type for the decision record. */
export function gateResult(spec: GateSpec, fields: ResultFields): GateResult {
  return {
    gateId: spec.id,
    type: spec.type,
    outcome: fields.outcome,
    observed: fields.observed,
    threshold: fields.threshold,
    explanation: fields.explanation,
    details: fields.details ?? {},
    ...(fields.provenance !== undefined ? { provenance: fields.provenance } : {}),
  };
}

/** An `error` result: nothing measurable, the explanation says why and how to fix it. */
export function errorResult(
  spec: GateSpec,
  fields: { threshold: string; explanation: string; details?: Record<string, unknown> },
): GateResult {
  return gateResult(spec, { outcome: 'error', observed: null, ...fields });
}

/** Problems met while reading evidence of the given kinds, formatted with file and position. */
export function problemsOf(bundle: EvidenceBundle, kinds: readonly EvidenceKind[]): string[] {
  return bundle.problems.filter((p) => kinds.includes(p.kind)).map((p) => formatProblem(p));
}

/**
 * "no predictions were supplied" or "the predictions could not be read (file:3:1: …)": the
 * clause used when evidence a gate needs is absent.
 */
export function missingEvidenceClause(
  bundle: EvidenceBundle,
  kind: EvidenceKind,
  label: string,
): string {
  const problems = problemsOf(bundle, [kind]);
  if (problems.length === 0) return `no ${label} was supplied`;
  return `the ${label} could not be read (${problems.join('; ')})`;
}

/** `within` for inclusive [min, max] bounds; undefined bounds are open. */
export function withinBounds(
  value: number,
  bounds: { min?: number | undefined; max?: number | undefined },
): boolean {
  if (bounds.min !== undefined && value < bounds.min) return false;
  if (bounds.max !== undefined && value > bounds.max) return false;
  return true;
}

/**
 * The measured value as shown, and "at or above the required 0.95", "above the allowed maximum of
 * 120", …: the value and the bound it is compared with get enough decimals to show which side of
 * the bound the value is on (`formatAgainst`).
 */
export function boundsPhrase(
  value: number,
  bounds: { min?: number | undefined; max?: number | undefined },
): { value: string; phrase: string } {
  const { min, max } = bounds;
  const against = (bound: number) => formatAgainst(value, bound);
  if (min !== undefined && value < min) {
    const shown = against(min);
    return { value: shown.value, phrase: `below the required minimum of ${shown.bound}` };
  }
  if (max !== undefined && value > max) {
    const shown = against(max);
    return { value: shown.value, phrase: `above the allowed maximum of ${shown.bound}` };
  }
  if (min !== undefined && max !== undefined) {
    // Show the side the value is nearest, so equality with either bound stays visible.
    const lower = against(min);
    const upper = against(max);
    const value = lower.value.length >= upper.value.length ? lower.value : upper.value;
    return { value, phrase: `within the required range ${lower.bound} to ${upper.bound}` };
  }
  if (min !== undefined) {
    const shown = against(min);
    return { value: shown.value, phrase: `at or above the required ${shown.bound}` };
  }
  const shown = against(max ?? Number.NaN);
  return { value: shown.value, phrase: `at or below the allowed maximum of ${shown.bound}` };
}

/**
 * Runs a computation over evidence. The statistics module throws `RangeError` on data it cannot
 * use (a NaN score, columns of different lengths); for a gate that is malformed evidence, so it
 * becomes an `error` result. Anything else is a bug and propagates.
 */
export function guardEvidence(
  spec: GateSpec,
  threshold: string,
  compute: () => GateResult,
): GateResult {
  try {
    return compute();
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return errorResult(spec, {
      threshold,
      explanation: `The evidence cannot be used: ${error.message}`,
      details: { evidenceError: error.message },
    });
  }
}
