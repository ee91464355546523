import { describe, expect, it } from 'vitest';
import type { GateSpec } from '../domain/index.js';
import { evaluateGates } from './evaluate-gates.js';
import { bundle, classification, sixRows } from './fixtures.test-support.js';

const gates: GateSpec[] = [
  { id: 'auc', type: 'metric', metric: 'auc', min: 0.95 },
  { id: 'repro', type: 'reproducibility', require: ['seed'] },
  { id: 'expr', type: 'expression', expr: 'predictions.rows == 6' },
];
const context = {
  candidate: bundle({
    predictions: classification(sixRows.labels, sixRows.scores),
    lineage: { seed: 1 },
  }),
};

describe('evaluateGates', () => {
  it('evaluates every gate in order', () => {
    const results = evaluateGates(gates, context);
    expect(results.map((r) => [r.gateId, r.type, r.outcome])).toEqual([
      ['auc', 'metric', 'fail'],
      ['repro', 'reproducibility', 'pass'],
      ['expr', 'expression', 'pass'],
    ]);
    expect(results.some((r) => 'bypassed' in r)).toBe(false);
  });

  it('still evaluates bypassed gates and marks them', () => {
    const results = evaluateGates(gates, context, { bypass: ['auc'] });
    expect(results[0]).toMatchObject({ gateId: 'auc', outcome: 'fail', bypassed: true });
    expect(results[1]?.bypassed).toBeUndefined();
  });

  it('turns an unknown gate type into an error result', () => {
    const bogus = { id: 'odd', type: 'vibes' } as unknown as GateSpec;
    const [result] = evaluateGates([bogus], context);
    expect(result).toMatchObject({ gateId: 'odd', outcome: 'error' });
  });
});
