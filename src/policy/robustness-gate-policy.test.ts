import { describe, expect, it } from 'vitest';
import { describeGate } from './describe-gate.js';
import { parsePolicy } from './parse-policy.js';

const header = 'apiVersion: clearance/v1\nkind: Policy\nmetadata: { name: p, riskTier: low }\n';

function policy(evaluationSet: string, gates: string): string {
  return `${header}${evaluationSet}transitions:\n  - from: draft\n    to: staging\n    requestedBy: [owner]\n    gates:\n${gates}`;
}

/** Problems as `line:column message fix`, the way an editor lists them. */
function problems(text: string): string[] {
  const result = parsePolicy(text, 'p.yaml');
  if (result.ok) return [];
  return result.problems.map(
    (p) => `${p.location?.file}:${p.location?.line}:${p.location?.column} ${p.message} ${p.fix}`,
  );
}

const withIds = 'evaluationSet: { id: eta, task: regression, idColumn: trip_id }\n';

describe('robustness gates in a policy', () => {
  it('parses with defaults and describes itself', () => {
    const result = parsePolicy(
      policy(
        withIds,
        '      - { id: stress, type: robustness, metric: mae, maxDegradation: 0.1, relative: true, sets: [gps-noise] }\n',
      ),
      'p.yaml',
    );
    if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('\n'));
    const gate = result.policy.transitions[0]!.gates[0]!;
    expect(gate).toEqual({
      id: 'stress',
      type: 'robustness',
      metric: 'mae',
      maxDegradation: 0.1,
      relative: true,
      sets: ['gps-noise'],
    });
    expect(describeGate(gate)).toBe(
      'mae recomputed on the stress sets gps-noise may not be worse than on the clean predictions by more than 10% of its clean value.',
    );
  });

  it('reports a missing margin, an unknown metric and an unknown key with file, line and column', () => {
    expect(
      problems(
        policy(
          withIds,
          '      - { id: a, type: robustness, metric: mae }\n      - { id: b, type: robustness, metric: latency_p95_ms, maxDegradation: 1 }\n      - { id: c, type: robustness, metric: mae, maxDegradation: -1, set: [x] }\n',
        ),
      ),
    ).toEqual([
      "p.yaml:10:9 Missing required key 'maxDegradation' in gate 1 of transition 1. Add 'maxDegradation:' with a number.",
      "p.yaml:11:44 'metric' in gate 2 of transition 1 is 'latency_p95_ms', which Clearance cannot recompute from predictions on the stress sets. Use a prediction metric: auc, ks, accuracy, precision, recall, sensitivity, specificity, fpr, f1, selection_rate, mae, rmse, mape, p50_abs_error, p90_abs_error, p95_abs_error.",
      "p.yaml:12:65 'maxDegradation' in gate 3 of transition 1 must be at least 0, not -1. Use a value at least 0.",
      "p.yaml:12:69 Unknown key 'set' in gate 3 of transition 1; did you mean 'sets'? Rename 'set' to 'sets'.",
    ]);
  });

  it('needs an evaluationSet with an idColumn to match stress rows to clean rows', () => {
    const gate = '      - { id: stress, type: robustness, metric: mae, maxDegradation: 1 }\n';
    expect(problems(policy('', gate))).toEqual([
      expect.stringMatching(
        /^p\.yaml:9:9 Gate 'stress' .* is computed from predictions, but the policy has no evaluationSet\./,
      ),
    ]);
    expect(problems(policy('evaluationSet: { id: eta, task: regression }\n', gate))).toEqual([
      "p.yaml:10:9 Gate 'stress' (gate 1 of transition 1) matches stress-set rows to the clean predictions by row id, but evaluationSet has no idColumn. Add idColumn: (the column naming each row of the locked evaluation set) to evaluationSet.",
    ]);
  });
});
