import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Policy } from '../domain/policy.js';
import { designExample } from './design-example.fixture.js';
import { parsePolicy } from './parse-policy.js';

const header = 'apiVersion: clearance/v1\nkind: Policy\nmetadata: { name: p, riskTier: low }\n';

function parseOk(text: string): Policy {
  const result = parsePolicy(text, 'policy.yaml');
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('\n'));
  return result.policy;
}

/** Problems as `line:column message`, the way an editor lists them. */
function problems(text: string): string[] {
  const result = parsePolicy(text, 'policy.yaml');
  if (result.ok) return [];
  return result.problems.map((p) => `${p.location?.line}:${p.location?.column} ${p.message}`);
}

function transition(body: string): string {
  return `${header}transitions:\n  - from: draft\n    to: staging\n    requestedBy: [owner]\n${body}`;
}

describe('parsePolicy: the DESIGN.md §2b example', () => {
  const result = parsePolicy(designExample, 'credit-risk.yaml');

  it('parses, with a digest', () => {
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.policy.transitions).toHaveLength(2);
  });

  it('warns about the placeholder evaluation-set digest, with its position', () => {
    if (!result.ok) throw new Error('expected ok');
    expect(result.warnings).toEqual([
      expect.objectContaining({
        message: expect.stringContaining("'sha256:…' is not a sha256:<64 hex digits>"),
        location: { file: 'credit-risk.yaml', line: 4, column: 52 },
      }),
    ]);
  });

  it('normalises shorthands and defaults into the domain type', () => {
    if (!result.ok) throw new Error('expected ok');
    const policy = result.policy;
    expect(policy.states).toEqual(['draft', 'staging', 'production', 'deprecated', 'archived']);
    expect(policy.roles.map((r) => r.id)).toEqual([
      'model_owner',
      'tech_lead',
      'mlops',
      'risk_officer',
      'compliance_officer',
      'break_glass',
    ]);
    expect(policy.evaluationSet).toEqual({
      id: 'credit-locked-2026q3',
      digest: 'sha256:…',
      task: 'binary-classification',
      label: 'label',
      score: 'score',
      decisionThreshold: 0.5,
    });
    const [first, second] = policy.transitions;
    expect(first?.approvals).toEqual([{ role: 'tech_lead', count: 1 }]);
    expect(first?.ticket).toEqual({ required: false });
    expect(first?.reasonRequired).toBe(true);
    expect(second?.separationOfDuties).toEqual({
      requesterMayApprove: false,
      creatorMayApprove: false,
      oneRolePerPerson: true,
      minDistinctApprovers: 3,
    });
    expect(second?.gates.at(-1)).toEqual({
      id: 'documents',
      type: 'documents',
      require: ['model_card', 'evaluation_report', 'monitoring_plan', 'rollback_plan'].map(
        (name) => ({ name, sections: [] }),
      ),
    });
    expect(second?.gates[0]).toEqual({
      id: 'auc',
      type: 'baseline',
      metric: 'auc',
      maxDegradation: 0.01,
      relative: false,
      confidence: 0.95,
      test: 'auto',
      resamples: 2000,
      seed: 20240101,
    });
    expect(second?.gates[2]).toMatchObject({ minGroupSize: 30, privileged: 'male' });
    expect(second?.gates[3]).toEqual({
      id: 'sbom',
      type: 'security',
      sbom: 'required',
      licenses: { deny: ['AGPL-3.0', 'GPL-3.0'] },
      secrets: 'deny',
    });
    expect(policy.changeTypes).toEqual({
      emergency: {
        allowedBy: ['break_glass'],
        bypass: ['auc', 'ks'],
        expiresAfter: '72h',
        onExpiry: 'rollback',
        postIncidentReview: { dueWithin: '5d', approvals: [{ role: 'risk_officer', count: 1 }] },
      },
      experiment: { maxState: 'staging' },
    });
  });
});

describe('parsePolicy: normalisation', () => {
  it('reads roles given as strings or {id, description}', () => {
    const policy = parseOk(
      `${header}roles: [owner, { id: lead, description: Tech lead }]\ntransitions:\n  - { from: draft, to: staging, requestedBy: [owner], approvals: [{ role: lead }] }\n`,
    );
    expect(policy.roles).toEqual([{ id: 'owner' }, { id: 'lead', description: 'Tech lead' }]);
  });

  it('maps evaluationSet.idColumn to id_column and keeps explicit values', () => {
    const policy = parseOk(
      `${header}evaluationSet: { id: e, task: regression, label: y, score: yhat, idColumn: row, baselineScore: b, decisionThreshold: 0.3 }\ntransitions:\n  - { from: draft, to: staging, requestedBy: [o] }\n`,
    );
    expect(policy.evaluationSet).toEqual({
      id: 'e',
      task: 'regression',
      label: 'y',
      score: 'yhat',
      id_column: 'row',
      baselineScore: 'b',
      decisionThreshold: 0.3,
    });
  });

  it('reads documents with sections and sums approval counts into minDistinctApprovers', () => {
    const policy = parseOk(
      transition(
        '    documents: [{ name: model_card, sections: [intended_use] }]\n    approvals: [{ role: a, count: 2 }, { role: b }]\n',
      ),
    );
    const [only] = policy.transitions;
    expect(only?.gates).toEqual([
      {
        id: 'documents',
        type: 'documents',
        require: [{ name: 'model_card', sections: ['intended_use'] }],
      },
    ]);
    expect(only?.separationOfDuties.minDistinctApprovers).toBe(3);
  });

  it('honours an explicit two-person rule and ticket, reason and expiry settings', () => {
    const policy = parseOk(
      transition(
        '    approvals: [{ role: a }, { role: b }]\n    separationOfDuties: { minDistinctApprovers: 2, oneRolePerPerson: false }\n    ticket: { required: true, pattern: "^CHG-\\\\d+$" }\n    reason: { required: false }\n    approvalExpiresAfter: 7d\n',
      ),
    );
    const [only] = policy.transitions;
    expect(only?.separationOfDuties).toEqual({
      requesterMayApprove: false,
      creatorMayApprove: false,
      oneRolePerPerson: false,
      minDistinctApprovers: 2,
    });
    expect(only?.ticket).toEqual({ required: true, pattern: '^CHG-\\d+$' });
    expect(only?.reasonRequired).toBe(false);
    expect(only?.approvalExpiresAfter).toBe('7d');
  });

  it('turns sustainedFor into M = N = T / period and fills trigger defaults', () => {
    const policy = parseOk(
      transition(
        '    rollout:\n      canary: { traffic: 10, duration: 48h }\n      triggers:\n        - { metric: latency_p95_ms, op: ">", threshold: 200, period: 5m, sustainedFor: 15m }\n        - { metric: error_rate, op: ">=", threshold: 0.005 }\n        - { metric: ctr, op: "<=", threshold: -0.01, compare: relativeToControl, evaluationPeriods: 3, datapointsToAlarm: 2, treatMissing: notBreaching, minSamples: 500 }\n',
      ),
    );
    expect(policy.transitions[0]?.rollout).toEqual({
      canary: { traffic: 10, duration: '48h' },
      steps: [{ traffic: 10, duration: '48h' }],
      consecutiveErrorLimit: 4,
      lateness: '5m',
      triggers: [
        {
          metric: 'latency_p95_ms',
          series: 'latency_ms',
          statistic: 'p95',
          op: '>',
          threshold: 200,
          compare: 'absolute',
          confidence: 0.95,
          period: '5m',
          evaluationPeriods: 3,
          datapointsToAlarm: 3,
          treatMissing: 'missing',
          minSamples: 0,
        },
        {
          metric: 'error_rate',
          series: 'error_rate',
          statistic: 'rate',
          op: '>=',
          threshold: 0.005,
          compare: 'absolute',
          confidence: 0.95,
          period: '1m',
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          treatMissing: 'missing',
          minSamples: 0,
        },
        {
          metric: 'ctr',
          series: 'ctr',
          statistic: 'rate',
          op: '<=',
          threshold: -0.01,
          compare: 'relativeToControl',
          confidence: 0.95,
          period: '1m',
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          treatMissing: 'notBreaching',
          minSamples: 500,
        },
      ],
    });
  });

  it('fills gate defaults for reproducibility, security and fairness', () => {
    const policy = parseOk(
      `${header}evaluationSet: { id: e }\ntransitions:\n  - from: draft\n    to: staging\n    requestedBy: [o]\n    gates:\n      - { id: r, type: reproducibility }\n      - { id: s, type: security, vulnerabilities: { maxCritical: 0 } }\n      - { id: f, type: fairness, attribute: sex, metric: demographic_parity_difference, max: 0.05, description: Parity }\n      - { id: x, type: expression, expr: "metrics.cost_per_1k_usd <= 0.4" }\n`,
    );
    expect(policy.transitions[0]?.gates).toEqual([
      {
        id: 'r',
        type: 'reproducibility',
        require: ['codeCommit', 'dataSnapshotId', 'configDigest', 'seed'],
      },
      {
        id: 's',
        type: 'security',
        sbom: 'required',
        secrets: 'deny',
        vulnerabilities: { maxCritical: 0 },
      },
      {
        id: 'f',
        type: 'fairness',
        attribute: 'sex',
        metric: 'demographic_parity_difference',
        max: 0.05,
        minGroupSize: 30,
        description: 'Parity',
      },
      { id: 'x', type: 'expression', expr: 'metrics.cost_per_1k_usd <= 0.4' },
    ]);
  });

  it('accepts standard: {} and custom states', () => {
    const policy = parseOk(
      `${header}states: [dev, prod]\nchangeTypes: { standard: {} }\ntransitions:\n  - { from: dev, to: prod, requestedBy: [o] }\n`,
    );
    expect(policy.states).toEqual(['dev', 'prod']);
    expect(policy.changeTypes).toEqual({});
  });
});

describe('parsePolicy: errors, each with line and column', () => {
  it('reports an unknown key at the key, with a suggestion', () => {
    expect(problems(transition('    gatess: []\n'))).toEqual([
      "8:5 Unknown key 'gatess' in transition 1; did you mean 'gates'?",
    ]);
  });

  it('reports a missing key at the mapping it belongs in', () => {
    expect(problems(`${header}transitions:\n  - from: draft\n    to: staging\n`)).toEqual([
      "5:5 Missing required key 'requestedBy' in transition 1.",
    ]);
    expect(problems('apiVersion: clearance/v1\nkind: Policy\ntransitions: []\n')).toEqual([
      "1:1 Missing required key 'metadata' at the top level.",
      "3:14 'transitions' must be a list with at least one transition, not a list.",
    ]);
  });

  it('reports YAML syntax errors with positions', () => {
    const result = parsePolicy('a: [1\nb: x\n', 'bad.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]?.message).toMatch(/^YAML syntax error: /);
    expect(result.problems[0]?.location).toMatchObject({ file: 'bad.yaml', line: 2, column: 1 });
    expect(problems('a: 1\na: 2\n')[0]).toMatch(/^2:1 YAML syntax error: Map keys must be unique/);
  });

  it('reports wrong literals, enums and types', () => {
    expect(
      problems(
        'apiVersion: clearance/v2\nkind: Polcy\nmetadata: { name: p, riskTier: extreme }\ntransitions:\n  - { from: draft, to: staging, requestedBy: owner }\n',
      ),
    ).toEqual([
      "1:13 'apiVersion' must be 'clearance/v1', not 'clearance/v2'.",
      "2:7 'kind' must be 'Policy', not 'Polcy'.",
      "3:32 'riskTier' in metadata must be one of 'low', 'medium', 'high', 'regulated', 'safety-critical', not 'extreme'.",
      "5:46 'requestedBy' in transition 1 must be a list, not 'owner'.",
    ]);
  });

  it('reports an unknown gate type listing the eight types', () => {
    const result = parsePolicy(
      transition('    gates:\n      - { id: a, type: metrik, metric: auc }\n'),
      'p.yaml',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      {
        message: "Unknown gate type 'metrik' in gate 1 of transition 1; did you mean 'metric'?",
        fix: 'Use one of the gate types: metric, baseline, robustness, fairness, reproducibility, security, documents, expression.',
        location: { file: 'p.yaml', line: 9, column: 24 },
      },
    ]);
  });

  it('reports gate rules', () => {
    expect(
      problems(
        transition(
          '    gates:\n      - { id: m, type: metric, metric: latency_p95_ms }\n      - { id: m2, type: metric, metric: cost, min: 2, max: 1 }\n      - { id: b, type: baseline, metric: weird, maxDegradation: 0.1, test: delong }\n      - { id: b2, type: baseline, metric: cost_usd, maxDegradation: 0.1, minImprovement: 0.1, confidence: 1.5, resamples: 10 }\n      - { id: b3, type: baseline, metric: ctr, minImprovement: 0.02, direction: lower }\n      - { id: e, type: expression, expr: "  " }\n',
        ),
      ),
    ).toEqual([
      '9:9 Gate 1 of transition 1 needs a bound: set min, max or both.',
      "10:52 'min' in gate 2 of transition 1 (2) is greater than max (1); no value can pass.",
      "11:9 Gate 3 of transition 1 compares 'weird', whose better direction is not known.",
      "11:76 'test' in gate 3 of transition 1 is 'delong', which only applies to auc, not 'weird'.",
      '12:9 Gate 4 of transition 1 needs exactly one of maxDegradation or minImprovement.',
      "12:107 'confidence' in gate 4 of transition 1 must be less than 1, not 1.5.",
      "12:123 'resamples' in gate 4 of transition 1 must be at least 100, not 10.",
      "13:81 'direction' in gate 5 of transition 1 says 'lower', but ctr is always better when higher.",
      "14:42 'expr' in gate 6 of transition 1 must not be empty.",
    ]);
  });

  it('bounds bootstrap resamples so one gate run fits its budget', () => {
    expect(
      problems(
        transition(
          '    gates:\n      - { id: b, type: baseline, metric: ks, maxDegradation: 0.01, resamples: 100000001 }\n',
        ),
      ),
    ).toEqual([
      "9:79 'resamples' in gate 1 of transition 1 must be at most 100000, not 100000001.",
    ]);
  });

  it('reports fairness rules and gates that need an evaluation set', () => {
    expect(
      problems(
        transition(
          '    gates:\n      - { id: f, type: fairness, attribute: sex, metric: equal_opportunity_difference, privileged: m, max: 0.1 }\n      - { id: g, type: fairness, attribute: sex, metric: disparity }\n      - { id: a, type: metric, metric: auc, min: 0.7 }\n      - { id: l, type: metric, metric: latency_p95_ms, max: 120 }\n',
        ),
      ),
    ).toEqual([
      "9:100 'privileged' in gate 1 of transition 1 only applies to disparate_impact_ratio, not equal_opportunity_difference.",
      "10:58 'metric' in gate 2 of transition 1 must be one of 'demographic_parity_difference', 'demographic_parity_ratio', 'disparate_impact_ratio', 'equalized_odds_difference', 'equalized_odds_ratio', 'equal_opportunity_difference', 'equal_opportunity_ratio', not 'disparity'.",
      "11:9 Gate 'a' (gate 3 of transition 1) is computed from predictions, but the policy has no evaluationSet.",
    ]);
  });

  it('reports a documents gate clash, approvals and separation-of-duties problems', () => {
    expect(
      problems(
        transition(
          '    documents: [model_card]\n    gates: [{ id: documents, type: expression, expr: "true" }]\n    approvals: [{ role: a, count: 0 }, { role: b }, { role: b }]\n    separationOfDuties: { minDistinctApprovers: 5 }\n',
        ),
      ),
    ).toEqual([
      "10:35 'count' in approval 1 of transition 1 must be at least 1, not 0.",
      "10:61 'role' in approval 3 of transition 1 repeats role 'b'.",
    ]);
    expect(
      problems(
        transition(
          '    documents: [model_card]\n    gates: [{ id: documents, type: expression, expr: "true" }]\n    approvals: [{ role: b }]\n    separationOfDuties: { minDistinctApprovers: 2 }\n',
        ),
      ),
    ).toEqual([
      "8:16 Transition 1 lists documents: and also has a gate with id 'documents'.",
      "11:49 'minDistinctApprovers' in separationOfDuties of transition 1 is 2, but the transition asks for only 1 approval(s), so it can never be met.",
    ]);
  });

  it('reports bad ticket patterns, durations and canary traffic', () => {
    expect(
      problems(
        transition(
          '    ticket: { pattern: "([" }\n    approvalExpiresAfter: 7 days\n    rollout:\n      canary: { traffic: 150, duration: 48h }\n',
        ),
      ),
    ).toEqual([
      "8:24 'pattern' in ticket of transition 1 is not valid RE2 syntax (missing closing ]: [).",
      "9:27 'approvalExpiresAfter' in transition 1 is not a duration: '7 days'.",
      "11:26 'traffic' in the canary of transition 1 must be at most 100, not 150.",
    ]);
    const result = parsePolicy(transition('    approvalExpiresAfter: 15\n'), 'p.yaml');
    expect(!result.ok && result.problems[0]?.fix).toBe(
      'Write a positive whole number and a unit (w, d, h, m, s, ms), largest first, for example 90s, 15m, 48h, 5d, 2w, 1h30m.',
    );
  });

  it('refuses ticket patterns RE2 cannot run in linear time, with line, column and the fix', () => {
    const result = parsePolicy(
      transition('    ticket: { pattern: "^(?=RISK)([A-Z]+)-\\\\1$" }\n'),
      'policy.yaml',
    );
    expect(!result.ok && result.problems[0]?.location?.file).toBe('policy.yaml');
    expect(problems(transition('    ticket: { pattern: "^(?=RISK)[A-Z]+$" }\n'))).toEqual([
      "8:24 'pattern' in ticket of transition 1 uses lookahead or lookbehind, which RE2 syntax does not have.",
    ]);
    expect(!result.ok && result.problems[0]?.fix).toContain('RE2 syntax');
    expect(problems(transition('    ticket: { pattern: "^([A-Z]+)-\\\\1$" }\n'))).toEqual([
      "8:24 'pattern' in ticket of transition 1 uses a backreference, which RE2 syntax does not have.",
    ]);
    expect(
      parseOk(transition('    ticket: { pattern: "^(a+)+$" }\n')).transitions[0]?.ticket,
    ).toEqual({
      required: false,
      pattern: '^(a+)+$',
    });
  });

  it('parses canary steps, lateness, drift and burn-rate triggers with their defaults', () => {
    const rollout = parseOk(
      transition(
        '    rollout:\n      steps: [{ traffic: 5, duration: 1h }, { traffic: 25, duration: 6h }, { traffic: 50, duration: 1d }]\n      lateness: 10m\n      triggers:\n        - { metric: score, compare: drift, op: ">=", threshold: 0.2, period: 1h }\n        - { metric: errors, compare: burnRate, slo: 0.999, op: ">=", threshold: 14.4, period: 5m }\n        - { metric: p99_latency, op: ">", threshold: 300, compare: relativeToControl, confidence: 0.9 }\n',
      ),
    ).transitions[0]?.rollout;
    expect(rollout?.steps.map((step) => step.traffic)).toEqual([5, 25, 50]);
    expect(rollout?.canary).toBeUndefined();
    expect(rollout?.lateness).toBe('10m');
    expect(rollout?.triggers[0]).toMatchObject({
      compare: 'drift',
      statistic: 'psi',
      baseline: 'drift_baseline',
      series: 'score',
    });
    expect(rollout?.triggers[1]).toMatchObject({
      compare: 'burnRate',
      slo: 0.999,
      longWindow: '1h',
      series: 'errors',
    });
    expect(rollout?.triggers[2]).toMatchObject({
      statistic: 'p99',
      series: 'latency',
      confidence: 0.9,
    });
  });

  it('reports rollout rules: steps with canary, falling steps, misplaced keys, a burn rate without slo', () => {
    expect(
      problems(
        transition(
          '    rollout:\n      canary: { traffic: 5, duration: 1h }\n      steps: [{ traffic: 5, duration: 1h }]\n      triggers:\n        - { metric: a, op: ">", threshold: 1, slo: 0.99 }\n        - { metric: b, op: ">", threshold: 1, compare: drift, statistic: p95 }\n        - { metric: c, op: ">", threshold: 1, compare: burnRate }\n',
        ),
      ),
    ).toEqual([
      '10:14 Rollout of transition 1 sets both canary: and steps:.',
      "12:52 'slo' in rollback trigger 1 of transition 1 applies only to compare: burnRate, not absolute.",
      "13:74 'statistic' in rollback trigger 2 of transition 1 (p95) does not fit compare: drift.",
      '14:11 Rollback trigger 3 of transition 1 compares a burn rate but has no slo:.',
    ]);
    expect(
      problems(
        transition(
          '    rollout:\n      triggers:\n        - { metric: d, op: ">", threshold: 1, statistic: median }\n',
        ),
      ),
    ).toEqual([
      "10:58 'statistic' in rollback trigger 1 of transition 1 is not a statistic: 'median'.",
    ]);
    expect(
      problems(
        transition(
          '    rollout:\n      steps: [{ traffic: 25, duration: 1h }, { traffic: 5, duration: 1h }]\n',
        ),
      ),
    ).toEqual([
      '9:57 Canary step 2 of transition 1 has traffic 5%, not more than the step before (25%).',
    ]);
  });

  it('reports trigger window rules', () => {
    expect(
      problems(
        transition(
          '    rollout:\n      triggers:\n        - { metric: a, op: ">", threshold: 1, period: 5m, sustainedFor: 17m }\n        - { metric: b, op: ">", threshold: 1, evaluationPeriods: 2, datapointsToAlarm: 3 }\n        - { metric: d, op: ">", threshold: 1, period: 1m, sustainedFor: 5m, evaluationPeriods: 5 }\n',
        ),
      ),
    ).toEqual([
      "10:73 'sustainedFor' in rollback trigger 1 of transition 1 (17m) is not a whole number of periods of 5m.",
      "11:88 'datapointsToAlarm' in rollback trigger 2 of transition 1 (3) is more than evaluationPeriods (2).",
      '12:73 Rollback trigger 3 of transition 1 sets sustainedFor together with evaluationPeriods or datapointsToAlarm.',
    ]);
  });

  it('reports undeclared states and roles with the declared lists', () => {
    expect(
      problems(
        `${header}states: [draft, staging, production]\nroles: [owner, lead, lead]\ntransitions:\n  - { from: draft, to: stagin, requestedBy: [owner, ownr], approvals: [{ role: risk }] }\n  - { from: draft, to: draft, requestedBy: [owner] }\n  - { from: draft, to: stagin, requestedBy: [owner] }\n`,
      ),
    ).toEqual([
      "5:22 Role 'lead' is declared twice.",
      "7:24 'to' in transition 1 is 'stagin', which is not a declared state; declared states: draft, staging, production.",
      "7:53 Item 2 of 'requestedBy' in transition 1 is 'ownr', which is not a declared role; declared roles: owner, lead, lead.",
      "7:80 'role' in approval 1 of transition 1 is 'risk', which is not a declared role; declared roles: owner, lead, lead.",
      "8:24 Transition 2 goes from 'draft' to itself.",
      '9:5 Transition 3 repeats draft → stagin, already defined by transition 1.',
      "9:24 'to' in transition 3 is 'stagin', which is not a declared state; declared states: draft, staging, production.",
    ]);
  });

  it('reports change-type problems', () => {
    expect(
      problems(
        `${header}transitions:\n  - { from: staging, to: production, requestedBy: [o], approvals: [{ role: o }], gates: [{ id: auc-gate, type: expression, expr: "true" }] }\nchangeTypes:\n  emergency: { allowedBy: [bg], bypass: [auc], expiresAfter: 72h, onExpiry: promote, postIncidentReview: { dueWithin: 5d, approvals: [] } }\n  experiment: { maxState: production, maxCanaryTraffic: 0 }\n`,
      ),
    ).toEqual([
      "7:77 'onExpiry' in changeTypes.emergency must be 'rollback', not 'promote'.",
      "7:134 'approvals' in the post-incident review of changeTypes.emergency needs at least 1 item.",
      "8:57 'maxCanaryTraffic' in changeTypes.experiment must be greater than 0, not 0.",
    ]);
    expect(
      problems(
        `${header}transitions:\n  - { from: staging, to: production, requestedBy: [o], approvals: [{ role: o }], gates: [{ id: auc-gate, type: expression, expr: "true" }] }\nchangeTypes:\n  emergency: { allowedBy: [bg], bypass: [auc-gat], expiresAfter: 72h, postIncidentReview: { dueWithin: 5d, approvals: [{ role: o }] } }\n  experiment: { maxState: production }\n`,
      ),
    ).toEqual([
      "7:42 Emergency bypass names gate 'auc-gat', which no transition defines; gate ids: auc-gate.",
      "8:27 Experiments may never reach full production, but maxState is 'production'.",
    ]);
  });
});

describe('parsePolicy: the emergency sign-off', () => {
  const emergency = (approvals: string, roles = '') =>
    `${header}${roles}transitions:\n  - { from: staging, to: production, requestedBy: [o], approvals: [{ role: o }] }\nchangeTypes:\n  emergency: { allowedBy: [bg], expiresAfter: 72h, ${approvals}postIncidentReview: { dueWithin: 5d, approvals: [{ role: o }] } }\n`;

  it('reads approvals in the shape of a transition’s, and leaves them out when absent', () => {
    const named = parseOk(emergency('approvals: [{ role: risk, count: 2 }], '));
    expect(named.changeTypes.emergency?.approvals).toEqual([{ role: 'risk', count: 2 }]);
    const defaulted = parseOk(emergency(''));
    expect(defaulted.changeTypes.emergency).not.toHaveProperty('approvals');
  });

  it('locates an empty list, a repeated role and an undeclared role, each with its fix', () => {
    expect(problems(emergency('approvals: [], '))).toEqual([
      "7:63 'approvals' in changeTypes.emergency needs at least 1 item.",
    ]);
    const repeated = parsePolicy(
      emergency('approvals: [{ role: o }, { role: o }], '),
      'policy.yaml',
    );
    expect(repeated.ok).toBe(false);
    if (repeated.ok) return;
    expect(repeated.problems).toEqual([
      expect.objectContaining({
        message: "'role' in emergency sign-off 2 of changeTypes.emergency repeats role 'o'.",
        fix: 'List each role once and use count: to ask for more than one approval.',
        location: expect.objectContaining({ file: 'policy.yaml', line: 7, column: 85 }),
      }),
    ]);
    expect(problems(emergency('approvals: [{ role: rsk }], ', 'roles: [o, bg, risk]\n'))).toEqual([
      "8:72 'role' in emergency sign-off 1 of changeTypes.emergency is 'rsk', which is not a declared role; declared roles: o, bg, risk.",
    ]);
  });
});

describe('parsePolicy: more errors', () => {
  it('reports a duplicate gate id and an unknown comparison operator', () => {
    expect(
      problems(
        transition(
          '    gates:\n      - { id: m, type: metric, metric: cost, max: 1 }\n      - { id: m, type: expression, expr: "true" }\n    rollout: { triggers: [{ metric: c, op: ">", threshold: 1 }] }\n',
        ),
      ),
    ).toEqual(["10:15 Gate id 'm' is used twice in transition 1."]);
    expect(
      problems(transition('    rollout: { triggers: [{ metric: c, op: "=", threshold: 1 }] }\n')),
    ).toEqual([
      "8:44 'op' in rollback trigger 1 of transition 1 must be one of '>=', '<=', '>', '<', not '='.",
    ]);
  });

  it('reports a non-mapping policy and unknown top-level keys', () => {
    expect(problems('- a\n')).toEqual(['1:1 A policy must be a YAML mapping, not a list.']);
    expect(problems(`${header}transition: []\n`)).toEqual([
      "1:1 Missing required key 'transitions' at the top level.",
      "4:1 Unknown top-level key 'transition'; did you mean 'transitions'?",
    ]);
  });
});

describe('parsePolicy: warnings', () => {
  it('warns about production without approvals, a canary without triggers and missing fairness', () => {
    const result = parsePolicy(
      'apiVersion: clearance/v1\nkind: Policy\nmetadata: { name: p, riskTier: high }\ntransitions:\n  - { from: staging, to: production, requestedBy: [o], rollout: { canary: { traffic: 5, duration: 1h } } }\n',
      'p.yaml',
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(
      result.warnings.map((w) => `${w.location?.line}:${w.location?.column} ${w.message}`),
    ).toEqual([
      '3:32 The policy is high risk but has no fairness gate.',
      '5:5 Transition 1 promotes to production with no approvals.',
      '5:65 The production canary of transition 1 has no rollback triggers.',
    ]);
  });
});

describe('parsePolicy: robustness', () => {
  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const result = parsePolicy(text, 'fuzz.yaml');
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary YAML-ish objects, and locates every problem', () => {
    const key = fc.constantFrom(
      'apiVersion',
      'kind',
      'metadata',
      'transitions',
      'gates',
      'from',
      'to',
      'type',
      'id',
      'requestedBy',
      'rollout',
      'triggers',
      'x',
    );
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(key, tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (data) => {
        const result = parsePolicy(JSON.stringify(data), 'fuzz.yaml');
        if (!result.ok) {
          for (const problem of result.problems) expect(problem.location?.line).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('survives alias bombs, lone surrogates and odd documents', () => {
    const bomb =
      'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    for (const text of [
      bomb,
      '',
      '---\n---\n',
      '[1, 2]',
      'null',
      '!!binary aGk=',
      `${header}transitions:\n  - { from: draft, to: staging, requestedBy: ["\\ud800"] }\n`,
    ]) {
      expect(parsePolicy(text, 'odd.yaml').ok).toBe(false);
    }
  });
});
