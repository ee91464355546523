import type { GateResult, GateSpec } from '../domain/index.js';
import { baselineGate } from './baseline-gate.js';
import { documentsGate } from './documents-gate.js';
import { expressionGate } from './expression-gate.js';
import { fairnessGate } from './fairness-gate.js';
import type { GateContext } from './gate.js';
import { metricGate } from './metric-gate.js';
import { reproducibilityGate } from './reproducibility-gate.js';
import { errorResult } from './result.js';
import { robustnessGate } from './robustness-gate.js';
import { securityGate } from './security-gate.js';

function evaluateGate(spec: GateSpec, context: GateContext): GateResult {
  switch (spec.type) {
    case 'metric':
      return metricGate(spec, context);
    case 'baseline':
      return baselineGate(spec, context);
    case 'robustness':
      return robustnessGate(spec, context);
    case 'fairness':
      return fairnessGate(spec, context);
    case 'reproducibility':
      return reproducibilityGate(spec, context);
    case 'security':
      return securityGate(spec, context);
    case 'documents':
      return documentsGate(spec, context);
    case 'expression':
      return expressionGate(spec, context);
    default: {
      // Unreachable for a validated policy; a spec from elsewhere still gets a blocking result.
      const unknown = spec as { id?: unknown; type?: unknown };
      return errorResult(
        { id: String(unknown.id), type: 'expression', expr: '' },
        {
          threshold: '(none)',
          explanation: `Gate type "${String(unknown.type)}" is not known.`,
          details: { type: unknown.type },
        },
      );
    }
  }
}

/**
 * Evaluates every gate in order. Gates named in `bypass` (an emergency change) are still
 * evaluated and recorded, with `bypassed: true`, so the decision record shows what was skipped.
 */
export function evaluateGates(
  gates: GateSpec[],
  context: GateContext,
  options: { bypass?: string[] } = {},
): GateResult[] {
  const bypass = new Set(options.bypass ?? []);
  return gates.map((spec) => {
    const result = evaluateGate(spec, context);
    return bypass.has(spec.id) ? { ...result, bypassed: true } : result;
  });
}
