/** Named shapes of the public API's records, from the OpenAPI document, and narrow views of the
 * parts it leaves open (a decision record's gate results). */
import type { components } from '../../../src/cli/registry/openapi';

type Schemas = components['schemas'];
export type Evidence = Schemas['Evidence'];
export type TransitionRequest = Schemas['TransitionRequest'];
export type DecisionRecord = Schemas['DecisionRecord'];

/** One gate's result in a decision record (`gates[]`), as src/gates writes it. */
export interface GateResult {
  gateId: string;
  type: string;
  outcome: 'pass' | 'fail' | 'error' | string;
  observed?: unknown;
  threshold?: string;
  explanation: string;
  provenance?: string;
  details?: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** The gate results of a decision record; entries without an id or outcome are skipped. */
export function gatesOf(decision: DecisionRecord): GateResult[] {
  const gates = (decision as Record<string, unknown>).gates;
  if (!Array.isArray(gates)) return [];
  return gates.flatMap((gate): GateResult[] => {
    if (!isRecord(gate) || typeof gate.gateId !== 'string' || typeof gate.outcome !== 'string') {
      return [];
    }
    return [
      {
        gateId: gate.gateId,
        type: typeof gate.type === 'string' ? gate.type : 'unknown',
        outcome: gate.outcome,
        observed: gate.observed,
        ...(typeof gate.threshold === 'string' ? { threshold: gate.threshold } : {}),
        explanation: typeof gate.explanation === 'string' ? gate.explanation : '',
        ...(typeof gate.provenance === 'string' ? { provenance: gate.provenance } : {}),
        ...(isRecord(gate.details) ? { details: gate.details } : {}),
      },
    ];
  });
}

/** The reasons a decision lists (one sentence per rule that decided it). */
export function reasonsOf(decision: DecisionRecord): string[] {
  const reasons = (decision as Record<string, unknown>).reasons;
  return Array.isArray(reasons) ? reasons.filter((r): r is string => typeof r === 'string') : [];
}
