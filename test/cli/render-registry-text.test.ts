/** Numbers for people: rounded, with a comparison's direction in words. */
import { describe, expect, it } from 'vitest';
import { describeObserved, roundForPeople } from '../../src/cli/render/describe-observed.js';
import { renderRequest } from '../../src/cli/render/render-registry-text.js';
import type { Approval, GateResult, TransitionRequest } from '../../src/domain/index.js';

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

describe('renderRequest', () => {
  const request: TransitionRequest = {
    id: 'r-1',
    model: 'credit-risk-pd',
    version: '2026.3',
    from: 'staging',
    to: 'production',
    changeType: 'emergency',
    reason: 'Outage hotfix',
    ticket: 'RISK-9',
    requestedBy: 'bob.breakglass',
    requestedAt: '2026-12-01T10:00:00.000Z',
    status: 'executed',
    policyDigest: `sha256:${'1'.repeat(64)}`,
    evidenceDigest: `sha256:${'2'.repeat(64)}`,
  };
  const approval: Approval = {
    id: 'a-1',
    requestId: 'r-1',
    approver: 'rob.risk',
    role: 'risk_officer',
    decision: 'approve',
    comment: 'Hotfix reviewed',
    riskClass: 'high',
    evidenceDigest: request.evidenceDigest,
    policyDigest: request.policyDigest,
    at: '2026-12-02T10:00:00.000Z',
  };

  it("says what an executed emergency change's review still owes, and why a sign-off does not count", () => {
    const text = renderRequest(
      {
        request,
        approvals: [approval],
        status: {
          satisfied: false,
          counted: [],
          ignored: [{ approval, why: 'role_not_required' }],
          missing: [{ role: 'compliance_officer', needed: 1 }],
          distinctApprovers: 0,
          minDistinctApprovers: 1,
          basis: 'post_incident_review',
          emergency: {
            executedUnderBypass: true,
            bypassedGates: ['auc', 'ks'],
            reviewDueAt: '2026-12-06T10:00:00.000Z',
            reviewOverdue: true,
            reviewComplete: false,
            reviewOutcome: 'pending',
            requiredRoles: [{ role: 'compliance_officer', count: 1 }],
            signed: [],
          },
        },
        actions: { signAs: [], execute: false, cancel: false },
      },
      undefined,
    );
    expect(text).toContain(
      'Request r-1: credit-risk-pd 2026.3 staging → production (emergency), executed',
    );
    expect(text).toContain('Gates: not evaluated yet.');
    expect(text).toContain(
      'Post-incident review: 0 counted, 0 of 1 different people; still required: compliance_officer ×1',
    );
    expect(text).toContain(
      'emergency change: bypassed auc, ks; review due 2026-12-06T10:00:00.000Z — OVERDUE',
    );
    expect(text).toContain(
      '– not counted (the transition does not ask for that role): rob.risk as risk_officer: approve, risk high',
    );
  });
});
