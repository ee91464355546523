import { describe, expect, it } from 'vitest';
import type { GateSpec } from '../domain/policy.js';
import { describeGate } from './describe-gate.js';
import { designExample } from './design-example.fixture.js';
import { explainPolicy } from './explain-policy.js';
import { parsePolicy } from './parse-policy.js';

const recommender = `apiVersion: clearance/v1
kind: Policy
metadata: { name: recommender, riskTier: medium }
roles: [model_owner, product_owner, mlops]
transitions:
  - from: staging
    to: production
    requestedBy: [mlops]
    gates:
      - { id: ctr, type: baseline, metric: ctr, minImprovement: 0.02, relative: true, test: two-proportion }
      - { id: latency, type: metric, metric: latency_p95_ms, max: 120 }
    approvals: [{ role: model_owner }, { role: product_owner }]
    separationOfDuties: { minDistinctApprovers: 2 }
    rollout:
      canary: { traffic: 10, duration: 48h }
      triggers:
        - { metric: latency_p95_ms, op: ">", threshold: 200, period: 5m, sustainedFor: 15m }
        - { metric: ctr, op: "<=", threshold: -0.01, compare: relativeToControl, period: 1h }
changeTypes:
  experiment: { maxState: staging, maxCanaryTraffic: 5 }
`;

function explain(text: string): string {
  const result = parsePolicy(text, 'p.yaml');
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('\n'));
  return explainPolicy(result.policy, result.digest);
}

describe('explainPolicy', () => {
  it('mentions every role, gate, document and the change types of the §2b example', () => {
    const text = explain(designExample);
    for (const word of [
      'model_owner',
      'tech_lead',
      'mlops',
      'risk_officer',
      'compliance_officer',
      'break_glass',
      'repro',
      'auc',
      'ks',
      'approval-rate-parity',
      'sbom',
      'model_card',
      'rollback_plan',
      '^RISK-[0-9]+$',
      '72h',
      '5d',
      'sha256:',
    ]) {
      expect(text).toContain(word);
    }
    expect(text).toContain(
      'AUC may not fall more than 0.01 below the production baseline, judged on the lower bound of the 95% DeLong CI of the difference.',
    );
    expect(text).toContain('no self-approval');
    expect(text).toContain('Experiment: may go no further than staging');
    // The §2b example names no emergency sign-off: the default is stated.
    expect(text).toContain(
      'Before it executes it needs one sign-off by a person other than the requester, in any role that may approve the transition',
    );
  });

  it('states a named emergency sign-off', () => {
    const text = explain(
      designExample.replace(
        '    expiresAfter: 72h\n',
        '    expiresAfter: 72h\n    approvals: [{ role: risk_officer }]\n',
      ),
    );
    expect(text).toContain(
      'Before it executes it needs the sign-off of 1 × risk_officer, each a different person and never the requester; no sign-off is bypassed.',
    );
  });

  it('describes canary steps, burn-rate and drift triggers in words', () => {
    const text = explain(
      recommender.replace(
        '      canary: { traffic: 10, duration: 48h }\n      triggers:\n',
        '      steps: [{ traffic: 5, duration: 1h }, { traffic: 50, duration: 1d }]\n      triggers:\n        - { metric: errors, compare: burnRate, slo: 0.999, op: ">=", threshold: 14.4, period: 5m, longWindow: 1h }\n        - { metric: score, compare: drift, op: ">=", threshold: 0.2, period: 1h, treatMissing: ignore }\n',
      ),
    );
    expect(text).toContain('canary at 5% of traffic for 1h, then 50% of traffic for 1d');
    expect(text).toContain(
      'roll back if the error-budget burn rate of errors (SLO 0.999) over the window and the last 1h >= 14.4 in any 5m window',
    );
    expect(text).toContain(
      'roll back if PSI drift of score from the drift_baseline evidence >= 0.2 in any 1h window; windows without data are skipped',
    );
  });

  it('describes rollouts, triggers and the two-person rule in words', () => {
    const text = explain(recommender);
    expect(text).toContain('canary at 10% of traffic for 48h');
    expect(text).toContain(
      'roll back if latency_p95_ms > 200 sustained for 15m (3 of 3 windows of 5m); a window without data is an error',
    );
    expect(text).toContain(
      'roll back if ctr relative to control (bound of the 95% interval) <= -0.01 in any 1h window',
    );
    expect(text).toContain('two-person rule: at least 2 different people must approve');
    expect(text).toContain(
      'ctr must rise at least 2% of the baseline value above the production baseline',
    );
    expect(text).toContain('latency_p95_ms must be at most 120.');
    expect(text).toContain('with at most 5% canary traffic');
  });
});

describe('describeGate', () => {
  it.each<[GateSpec, string]>([
    [{ id: 'a', type: 'metric', metric: 'auc', min: 0.75 }, 'AUC must be at least 0.75.'],
    [
      { id: 'r', type: 'reproducibility', require: ['codeCommit', 'seed'] },
      'The lineage must record codeCommit and seed.',
    ],
    [{ id: 'x', type: 'expression', expr: 'a > 1' }, 'The expression `a > 1` must be true.'],
    [
      { id: 'd', type: 'documents', require: [{ name: 'model_card', sections: ['intended_use'] }] },
      'The documents model_card (with sections intended_use) must be present and non-empty.',
    ],
    [
      {
        id: 's',
        type: 'security',
        sbom: 'optional',
        secrets: 'deny',
        vulnerabilities: { maxCritical: 0, maxHigh: 2 },
      },
      'An SBOM is optional, no secrets may appear in artifacts or metadata and at most 0 critical and 2 high vulnerabilities.',
    ],
    [
      {
        id: 'f',
        type: 'fairness',
        attribute: 'sex',
        metric: 'demographic_parity_difference',
        max: 0.05,
        minGroupSize: 30,
      },
      "The demographic parity difference across groups of 'sex' (the worst pair of groups) must be at most 0.05; a group with fewer than 30 rows or an undefined rate makes the gate error.",
    ],
  ])('describes %o', (spec, sentence) => {
    expect(describeGate(spec)).toBe(sentence);
  });
});
