import { describe, expect, it } from 'vitest';
import { aucComparison, boundOf, fairnessGroups, limitOf, rocCurves } from './gate-details';

describe('reading gate details for charts', () => {
  it('reads bounds from threshold text', () => {
    expect(boundOf('>= 0.8')).toEqual({ op: '>=', value: 0.8 });
    expect(boundOf('lower 95% bound of difference >= -0.01')).toEqual({ op: '>=', value: -0.01 });
    expect(boundOf('<= 120')).toEqual({ op: '<=', value: 120 });
    expect(boundOf('(none)')).toBeUndefined();
  });

  it('takes the limit from the numeric bounds a gate recorded, not its threshold text', () => {
    expect(limitOf({ min: 0.8, max: null }, 'ignored')).toEqual({ op: '>=', value: 0.8 });
    expect(limitOf({ min: null, max: 120 }, '>= 5')).toEqual({ op: '<=', value: 120 });
    expect(limitOf({ min: null, max: null }, '>= 5')).toBeUndefined();
    // Decisions recorded before the gates wrote numbers: the text is all there is.
    expect(limitOf({}, '<= 0.1')).toEqual({ op: '<=', value: 0.1 });
    const chart = fairnessGroups(
      {
        metric: 'demographic_parity_difference',
        max: 0.1,
        groups: [{ group: 'a', selectionRate: 0.5 }],
      },
      'text that does not parse',
    );
    expect(chart?.limit).toEqual({ op: '<=', value: 0.1 });
  });

  it('reads an AUC comparison and refuses a partial one', () => {
    const details = {
      candidateValue: 0.83,
      baselineValue: 0.81,
      ci: [-0.004, 0.044],
      requiredLowerBound: -0.01,
      confidence: 0.95,
    };
    expect(aucComparison(details)).toEqual({
      candidate: 0.83,
      baseline: 0.81,
      low: -0.004,
      high: 0.044,
      required: -0.01,
      confidence: 0.95,
    });
    expect(aucComparison({ candidateValue: 0.83 })).toBeUndefined();
    expect(rocCurves(details)).toEqual({});
    const withCurves = {
      ...details,
      statistics: {
        roc: {
          candidate: { fpr: [0, 0.2, 1], tpr: [0, 0.7, 1] },
          baseline: { fpr: [0, 1], tpr: [0, 1] },
        },
      },
    };
    expect(rocCurves(withCurves)).toEqual({
      candidate: { fpr: [0, 0.2, 1], tpr: [0, 0.7, 1], auc: 0.83 },
      baseline: { fpr: [0, 1], tpr: [0, 1], auc: 0.81 },
    });
  });

  it('turns group rates into per-group disparate impact against the privileged group', () => {
    const chart = fairnessGroups(
      {
        metric: 'disparate_impact_ratio',
        privileged: 'male',
        groups: [
          { group: 'male', selectionRate: 0.5, tpr: 0.8, fpr: 0.1 },
          { group: 'female', selectionRate: 0.35, tpr: 0.7, fpr: 0.08 },
        ],
      },
      '>= 0.8',
    );
    expect(chart?.groups).toEqual([
      { group: 'male', value: 1 },
      { group: 'female', value: 0.7 },
    ]);
    expect(chart?.limit).toEqual({ op: '>=', value: 0.8 });
  });

  it('uses the worse of TPR and FPR gaps for equalized odds differences', () => {
    const chart = fairnessGroups(
      {
        metric: 'equalized_odds_difference',
        groups: [
          { group: 'a', selectionRate: 0.5, tpr: 0.8, fpr: 0.1 },
          { group: 'b', selectionRate: 0.4, tpr: 0.75, fpr: 0.2 },
        ],
      },
      '<= 0.1',
    );
    expect(chart?.groups.map((g) => [g.group, Number(g.value.toFixed(3))])).toEqual([
      ['a', 0.1],
      ['b', 0.05],
    ]);
  });
});
