import type { EvaluationSetSpec, EvidenceBundle, GateResult, GateSpec } from '../domain/index.js';

/** What every gate sees: the candidate's evidence, and the production baseline's when there is one. */
export interface GateContext {
  candidate: EvidenceBundle;
  baseline?: EvidenceBundle;
  evaluationSet?: EvaluationSetSpec;
}

/** A gate is a pure function of its spec and the evidence: no clock, no I/O, so replay is exact. */
export type GateEvaluator<S extends GateSpec> = (spec: S, context: GateContext) => GateResult;
