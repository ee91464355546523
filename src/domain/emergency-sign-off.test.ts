import { describe, expect, it } from 'vitest';
import { evaluateApprovals } from './approval-rules.js';
import { emergencySignOffRules } from './emergency-sign-off.js';
import type { TransitionPolicy } from './policy.js';
import type { Approval } from './registry.js';

const transition: TransitionPolicy = {
  from: 'staging',
  to: 'production',
  requestedBy: ['mlops'],
  gates: [],
  approvals: [
    { role: 'model_owner', count: 1 },
    { role: 'risk_officer', count: 1 },
  ],
  // Even a transition that lets the requester approve never lets them sign off an emergency.
  separationOfDuties: {
    requesterMayApprove: true,
    creatorMayApprove: false,
    oneRolePerPerson: true,
    minDistinctApprovers: 2,
  },
  ticket: { required: false },
  reasonRequired: true,
};

const request = { requestedBy: 'bob.breakglass', evidenceDigest: 'sha256:e', policyDigest: 'p' };
const version = { createdBy: 'carl.creator', lineage: {} };

function approval(approver: string, role: string): Approval {
  return {
    id: `${approver}-${role}`,
    requestId: 'r1',
    approver,
    role,
    decision: 'approve',
    comment: 'ok',
    riskClass: 'high',
    evidenceDigest: 'sha256:e',
    policyDigest: 'p',
    at: '2026-03-01T10:00:00.000Z',
  };
}

function evaluate(rules: ReturnType<typeof emergencySignOffRules>, approvals: Approval[]) {
  return evaluateApprovals({
    transition: rules,
    request,
    approvals,
    version,
    now: new Date('2026-03-01T12:00:00.000Z'),
  });
}

describe('emergencySignOffRules', () => {
  it('by default needs one approval in any role that approves the transition', () => {
    const rules = emergencySignOffRules({}, transition);
    expect(evaluate(rules, []).missing).toEqual([
      { role: 'model_owner or risk_officer', needed: 1 },
    ]);
    const one = evaluate(rules, [approval('rita.risk', 'risk_officer')]);
    expect(one.satisfied).toBe(true);
    expect(one.missing).toEqual([]);
  });

  it('never counts the requester, whatever the transition allows', () => {
    const rules = emergencySignOffRules({}, transition);
    expect(rules.separationOfDuties.requesterMayApprove).toBe(false);
    const self = evaluate(rules, [approval('bob.breakglass', 'risk_officer')]);
    expect(self.satisfied).toBe(false);
    expect(self.ignored.map((i) => i.why)).toEqual(['requester']);
  });

  it('falls back to the requesting roles when the transition asks for no approvals', () => {
    const rules = emergencySignOffRules({}, { ...transition, approvals: [] });
    expect(rules.approvals).toEqual([{ role: 'mlops', count: 1 }]);
    expect(evaluate(rules, [approval('max.mlops', 'mlops')]).satisfied).toBe(true);
  });

  it('needs every named role, each by a different person', () => {
    const rules = emergencySignOffRules(
      { approvals: [{ role: 'risk_officer', count: 2 }] },
      transition,
    );
    expect(rules.separationOfDuties.minDistinctApprovers).toBe(2);
    const one = evaluate(rules, [approval('rita.risk', 'risk_officer')]);
    expect(one.missing).toEqual([{ role: 'risk_officer', needed: 1 }]);
    const wrongRole = evaluate(rules, [approval('olga.owner', 'model_owner')]);
    expect(wrongRole.ignored.map((i) => i.why)).toEqual(['role_not_required']);
    const two = evaluate(rules, [
      approval('rita.risk', 'risk_officer'),
      approval('rae.risk', 'risk_officer'),
    ]);
    expect(two.satisfied).toBe(true);
  });
});
