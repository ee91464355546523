/** Numbers for people: rounded, with a comparison's direction in words. */
import { describe, expect, it } from 'vitest';
import { describeObserved, roundForPeople } from '../../src/cli/render/render-registry-text.js';
import type { GateResult } from '../../src/domain/index.js';

function baselineGate(metric: string, baselineValue: number, candidateValue: number): GateResult {
  return {
    gateId: metric,
    type: 'baseline',
    outcome: 'pass',
    // Oriented so that positive is better (lower is better for FPR).
    observed: baselineValue - candidateValue,
    threshold: 'lower 95% bound of difference >= -0.002',
    explanation: '',
    details: { metric, baselineValue, candidateValue },
    provenance: 'recomputed',
  };
}

describe('describeObserved', () => {
  it('says a comparison with production rose or fell, by how much, from what to what', () => {
    expect(describeObserved(baselineGate('fpr', 0.02018467, 0.02317751))).toBe(
      'FPR rose by 0.003 (0.0202 → 0.0232)',
    );
    expect(describeObserved(baselineGate('recall', 0.80804694, 0.79304694))).toBe(
      'recall fell by 0.015 (0.808 → 0.793)',
    );
    expect(describeObserved(baselineGate('auc', 0.7821, 0.78212))).toBe('AUC unchanged at 0.782');
  });

  it('rounds other numbers to three significant digits and labels self-reported ones', () => {
    const gate: GateResult = {
      gateId: 'latency',
      type: 'metric',
      outcome: 'pass',
      observed: 34.55185,
      threshold: '<= 50',
      explanation: '',
      details: {},
      provenance: 'self-reported',
    };
    expect(describeObserved(gate)).toBe('34.6 (self-reported)');
    expect(describeObserved({ ...gate, observed: null })).toBe('not measurable');
    expect(roundForPeople(141)).toBe('141');
    expect(roundForPeople(0.000123456)).toBe('0.000123');
  });
});
