import { describe, expect, it } from 'vitest';
import { evaluateGateRun } from '../../src/app/index.js';
import { bundle, classification, sixRows } from '../../src/gates/fixtures.test-support.js';
import { parsePolicy } from '../../src/policy/index.js';

const parsed = parsePolicy(
  `apiVersion: clearance/v1
kind: Policy
metadata: { name: run, riskTier: medium }
roles: [mlops]
evaluationSet: { id: set, label: label, score: score }
transitions:
  - from: staging
    to: production
    requestedBy: [mlops]
    gates:
      - { id: auc, type: baseline, metric: auc, maxDegradation: 0.5, confidence: 0.95 }
      - { id: lift, type: expression, expr: "metrics.auc >= baseline.metrics.auc" }
      - { id: floor, type: metric, metric: auc, min: 0.6 }
`,
  'run.yaml',
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const gates = parsed.policy.transitions[0]?.gates ?? [];
const brokenBaseline = { ok: false as const, problem: 'evidence.yaml: Excessive alias count' };

describe('evaluateGateRun', () => {
  it('makes a broken baseline an error of the gates that compare with it only', () => {
    const candidate = bundle({ predictions: classification(sixRows.labels, sixRows.scores) });
    const results = evaluateGateRun({
      gates,
      bypass: ['lift'],
      candidate: { ok: true, bundle: candidate },
      baseline: brokenBaseline,
    });
    expect(results.map((r) => [r.gateId, r.outcome, r.bypassed === true])).toEqual([
      ['auc', 'error', false],
      ['lift', 'error', true],
      ['floor', 'pass', false],
    ]);
    expect(results[0]?.explanation).toContain("production baseline's stored evidence");
    expect(results[0]?.explanation).toContain('Excessive alias count');
  });

  it('keeps a baseline comparison that the candidate’s own baseline column answers', () => {
    const predictions = classification(sixRows.labels, sixRows.scores, {
      baselineScores: sixRows.scores,
    });
    const [auc] = evaluateGateRun({
      gates,
      bypass: [],
      candidate: { ok: true, bundle: bundle({ predictions }) },
      baseline: brokenBaseline,
    });
    expect(auc?.outcome).toBe('pass');
  });

  it('makes every gate an error when the candidate’s evidence cannot be read at all', () => {
    const results = evaluateGateRun({
      gates,
      bypass: [],
      candidate: { ok: false, problem: 'EACCES: permission denied' },
    });
    expect(results.map((r) => r.outcome)).toEqual(['error', 'error', 'error']);
    expect(results[2]?.explanation).toBe(
      "The candidate's stored evidence could not be read: EACCES: permission denied.",
    );
  });
});
