import { describe, expect, it } from 'vitest';
import type { FairnessGateSpec } from '../domain/index.js';
import { fairnessGate } from './fairness-gate.js';
import { bundle, classification } from './fixtures.test-support.js';

const spec = (over: Partial<FairnessGateSpec>): FairnessGateSpec => ({
  id: 'f',
  type: 'fairness',
  attribute: 'sex',
  metric: 'disparate_impact_ratio',
  min: 0.8,
  minGroupSize: 1,
  ...over,
});

// Group a: 4 rows, 2 predicted positive (selection 0.5); group b: 4 rows, 1 (selection 0.25).
// Each group has 2 positives and 2 negatives so TPR and FPR are defined.
/** A spec with only a maximum. */
const maxOnly = (over: Partial<FairnessGateSpec>): FairnessGateSpec => {
  const { min: _min, ...rest } = spec(over);
  return rest;
};

const labels = [1, 1, 0, 0, 1, 1, 0, 0];
const scores = [0.9, 0.2, 0.8, 0.1, 0.9, 0.2, 0.3, 0.1];
const sex = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b'];
const candidate = () =>
  bundle({ predictions: classification(labels, scores, { groups: { sex } }) });

describe('fairnessGate', () => {
  it('fails the four-fifths rule when selection rates are 0.5 and 0.25 (DIR 0.5)', () => {
    const result = fairnessGate(spec({ privileged: 'a' }), { candidate: candidate() });
    expect(result.outcome).toBe('fail');
    expect(result.observed).toBe(0.5);
    expect([result.details.min, result.details.max]).toEqual([0.8, null]);
    expect(result.explanation).toBe(
      'Disparate impact ratio for sex is 0.5 (selection rates a 0.5, b 0.25), below the required minimum of 0.8.',
    );
    const groups = result.details.groups as {
      group: string;
      n: number;
      selectionRate: number;
      tpr: number;
    }[];
    expect(groups.map((g) => [g.group, g.n, g.selectionRate, g.tpr])).toEqual([
      ['a', 4, 0.5, 0.5],
      ['b', 4, 0.25, 0.5],
    ]);
  });

  it('passes demographic parity difference 0.25 against a maximum of 0.25 (inclusive)', () => {
    const result = fairnessGate(maxOnly({ metric: 'demographic_parity_difference', max: 0.25 }), {
      candidate: candidate(),
    });
    expect(result.outcome).toBe('pass');
    expect(result.observed).toBe(0.25);
    // The limit as numbers, for the version page's plot.
    expect([result.details.min, result.details.max]).toEqual([null, 0.25]);
    // FPR: a 1/2, b 0/2; TPR: a 1/2, b 1/2 → equalized odds difference 0.5.
    expect((result.details.metrics as Record<string, number>).equalized_odds_difference).toBe(0.5);
  });

  it('errors naming groups smaller than minGroupSize', () => {
    const result = fairnessGate(spec({ minGroupSize: 5 }), { candidate: candidate() });
    expect(result.outcome).toBe('error');
    expect(result.explanation).toContain(
      'groups a (4 rows) and b (4 rows) are smaller than the minimum of 5 rows',
    );
  });

  it('errors when a metric is undefined for a group instead of reporting 0', () => {
    const noPositivesInB = [1, 1, 0, 0, 0, 0, 0, 0];
    const predictions = classification(noPositivesInB, scores, { groups: { sex } });
    const result = fairnessGate(maxOnly({ metric: 'equal_opportunity_difference', max: 0.1 }), {
      candidate: bundle({ predictions }),
    });
    expect(result.outcome).toBe('error');
    expect(result.observed).toBeNull();
    expect(result.explanation).toMatch(/undefined/);
  });

  it('errors when the attribute column or the predictions are missing', () => {
    const noColumn = fairnessGate(spec({ attribute: 'age_band' }), { candidate: candidate() });
    expect(noColumn.outcome).toBe('error');
    expect(noColumn.explanation).toContain('no "age_band" column (available: sex)');
    expect(fairnessGate(spec({}), { candidate: bundle() }).outcome).toBe('error');
  });

  it('uses the evaluation set decision threshold', () => {
    const result = fairnessGate(spec({ metric: 'demographic_parity_ratio' }), {
      candidate: candidate(),
      evaluationSet: {
        id: 'e',
        task: 'binary-classification',
        label: 'y',
        score: 's',
        decisionThreshold: 0.05,
      },
    });
    expect(result.outcome).toBe('pass');
    expect(result.observed).toBe(1);
  });
});
