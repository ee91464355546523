import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import reference from '../../test/fixtures/reference/load-test.json' with { type: 'json' };
import type { EvaluationSetSpec, RobustnessGateSpec } from '../domain/index.js';
import { loadEvidenceBundle } from '../evidence/index.js';
import { evaluateGates } from './evaluate-gates.js';
import { bundle, classification, problem, regression, sixRows } from './fixtures.test-support.js';
import { robustnessGate } from './robustness-gate.js';

const spec = (overrides: Partial<RobustnessGateSpec> = {}): RobustnessGateSpec => ({
  id: 'stress',
  type: 'robustness',
  metric: 'auc',
  maxDegradation: 0.05,
  relative: false,
  ...overrides,
});

const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
const clean = classification(sixRows.labels, sixRows.perfect, { ids });

/** The same rows in another order, scored `scores` (listed in the new order). */
function stressed(order: number[], scores: number[], source = 'robustness/noise.csv') {
  const table = classification(
    order.map((i) => sixRows.labels[i]!),
    scores,
    { ids: order.map((i) => ids[i]!) },
  );
  return { ...table, source };
}

describe('robustness gate on in-memory sets', () => {
  const reversed = [5, 4, 3, 2, 1, 0];

  it('passes when the worst drop is within maxDegradation, matching rows by id in any order', () => {
    // Same scores as clean, listed in reverse order: AUC 1 on both, drop 0.
    const noise = stressed(reversed, [...sixRows.perfect].reverse());
    const result = robustnessGate(spec(), {
      candidate: bundle({ predictions: clean, stressPredictions: { noise } }),
    });
    expect(result.outcome).toBe('pass');
    expect(result.observed).toBe(0);
    expect(result.provenance).toBe('recomputed');
  });

  it('fails on the worst set and names it', () => {
    const mild = stressed([0, 1, 2, 3, 4, 5], sixRows.perfect, 'robustness/mild.csv');
    const harsh = stressed([0, 1, 2, 3, 4, 5], sixRows.scores, 'robustness/harsh.csv');
    const result = robustnessGate(spec(), {
      candidate: bundle({ predictions: clean, stressPredictions: { mild, harsh } }),
    });
    expect(result.outcome).toBe('fail');
    expect(result.observed).toBeCloseTo(1 - 8 / 9, 12);
    expect(result.explanation).toBe(
      'AUC is 1 on the clean predictions and 0.889 on harsh, the worst of 2 stress sets (a drop of 0.111), beyond the allowed 0.05.',
    );
    expect(result.details.worstSet).toBe('harsh');
  });

  it('orients the drop for lower-is-better metrics and scales it when relative', () => {
    const truth = [10, 20, 30, 40];
    const cleanReg = { ...regression(truth, [11, 19, 31, 39]), ids: ['a', 'b', 'c', 'd'] };
    const worse = { ...regression(truth, [12, 18, 32, 38]), ids: ['a', 'b', 'c', 'd'] };
    const result = robustnessGate(spec({ metric: 'mae', maxDegradation: 0.5, relative: true }), {
      candidate: bundle({ predictions: cleanReg, stressPredictions: { worse } }),
    });
    // MAE 1 → 2: a drop of 1, beyond 50% of the clean value (0.5).
    expect(result.observed).toBe(1);
    expect(result.details.allowedDegradation).toBe(0.5);
    expect(result.outcome).toBe('fail');
  });

  it('errors on a stress set whose ids differ from the clean set', () => {
    const extra = {
      ...stressed([0, 1, 2, 3, 4, 5], sixRows.perfect),
      ids: [...ids.slice(0, 5), 'z'],
    };
    const result = robustnessGate(spec(), {
      candidate: bundle({ predictions: clean, stressPredictions: { noise: extra } }),
    });
    expect(result.outcome).toBe('error');
    expect(result.explanation).toBe(
      'AUC cannot be checked under stress: row 6 of robustness/noise.csv has id "z", which is not a row of the clean predictions predictions.csv.',
    );
    expect(result.details.evidenceError).toBe(true);
  });

  it('errors on missing rows, repeated ids and a changed label', () => {
    const fewer = { ...classification([1, 0], [0.9, 0.1], { ids: ['a', 'f'] }), source: 'x.csv' };
    const twice = {
      ...classification([1, 1, 1, 0, 0, 0], sixRows.perfect, {
        ids: ['a', 'a', 'c', 'd', 'e', 'f'],
      }),
      source: 'x.csv',
    };
    const relabelled = {
      ...classification([0, 1, 1, 0, 0, 1], sixRows.perfect, { ids }),
      source: 'x.csv',
    };
    const explain = (set: typeof fewer) =>
      robustnessGate(spec(), {
        candidate: bundle({ predictions: clean, stressPredictions: { s: set } }),
      }).explanation;
    expect(explain(fewer)).toMatch(/x\.csv lacks 4 of the clean set's row ids \(for example "b"\)/);
    expect(explain(twice)).toMatch(/row 2 of x\.csv repeats id "a"/);
    expect(explain(relabelled)).toMatch(/row id "a" has a different true label in x\.csv/);
  });

  it('errors when there are no stress sets, a named set is missing, or one could not be read', () => {
    const none = robustnessGate(spec(), { candidate: bundle({ predictions: clean }) });
    expect(none.outcome).toBe('error');
    expect(none.explanation).toMatch(/no stress sets were supplied \(found: none\)/);
    const noise = stressed([0, 1, 2, 3, 4, 5], sixRows.perfect);
    const named = robustnessGate(spec({ sets: ['noise', 'blur'] }), {
      candidate: bundle({ predictions: clean, stressPredictions: { noise } }),
    });
    expect(named.explanation).toMatch(/the stress set blur is missing \(found: noise\)/);
    const unreadable = robustnessGate(spec(), {
      candidate: bundle({
        predictions: clean,
        problems: [
          problem('robustness_predictions', 'score "x" is not a number.', 'robustness/blur.csv'),
        ],
      }),
    });
    expect(unreadable.outcome).toBe('error');
    expect(unreadable.explanation).toMatch(
      /the stress sets could not be read \(robustness\/blur\.csv:3/,
    );
  });

  it('is dispatched by evaluateGates', () => {
    const [result] = evaluateGates([spec()], { candidate: bundle({ predictions: clean }) });
    expect(result?.type).toBe('robustness');
  });
});

describe('robustness gate on generated perturbed sets (scripts/reference/load_test.py)', () => {
  const evaluationSet: EvaluationSetSpec = {
    id: 'eta-stress',
    task: 'binary-classification',
    label: 'label',
    score: 'score',
    id_column: 'trip_id',
    decisionThreshold: 0.5,
  };
  const root = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'robustness');
  const auc = reference.robustnessAuc;

  it('recomputes AUC on each set as numpy does, passes mild noise and fails heavy occlusion', async () => {
    const candidate = await loadEvidenceBundle(root, { evaluationSet });
    const context = { candidate, evaluationSet };
    const mild = robustnessGate(spec({ sets: ['gaussian-noise'] }), context);
    expect(mild.outcome).toBe('pass');
    const sets = mild.details.sets as { value: number; degradation: number }[];
    expect(sets[0]!.value).toBeCloseTo(auc['gaussian-noise'], 12);
    expect(mild.details.cleanValue as number).toBeCloseTo(auc.predictions, 12);
    const all = robustnessGate(spec(), context);
    expect(all.outcome).toBe('fail');
    expect(all.details.worstSet).toBe('heavy-occlusion');
    expect(all.observed as number).toBeCloseTo(auc.predictions - auc['heavy-occlusion'], 12);
  });
});
