import { describe, expect, it } from 'vitest';
import { type ApprovalRules, evaluateApprovals } from './approval-rules.js';
import type { Approval } from './registry.js';

const E1 = 'sha256:e1';
const E2 = 'sha256:e2';
const P1 = 'sha256:p1';

const credit: ApprovalRules = {
  approvals: [
    { role: 'model_owner', count: 1 },
    { role: 'risk_officer', count: 1 },
    { role: 'compliance_officer', count: 1 },
  ],
  separationOfDuties: {
    requesterMayApprove: false,
    creatorMayApprove: false,
    oneRolePerPerson: true,
    minDistinctApprovers: 3,
  },
};

const medical: ApprovalRules = {
  approvals: [
    { role: 'senior_clinician', count: 1 },
    { role: 'model_owner', count: 1 },
  ],
  separationOfDuties: {
    requesterMayApprove: false,
    creatorMayApprove: false,
    oneRolePerPerson: false,
    minDistinctApprovers: 2,
  },
};

const request = { requestedBy: 'rita.requester', evidenceDigest: E1, policyDigest: P1 };
const version = { createdBy: 'carl.creator', lineage: { trainedBy: 'tom.trainer' } };
const now = new Date('2026-03-01T12:00:00.000Z');

let n = 0;
function approval(approver: string, role: string, extra: Partial<Approval> = {}): Approval {
  n += 1;
  return {
    id: `a${n}`,
    requestId: 'r1',
    approver,
    role,
    decision: 'approve',
    comment: 'ok',
    riskClass: 'low',
    evidenceDigest: E1,
    policyDigest: P1,
    at: `2026-03-01T10:00:${String(n % 60).padStart(2, '0')}.000Z`,
    ...extra,
  };
}

function evaluate(rules: ApprovalRules, approvals: Approval[], at = now) {
  return evaluateApprovals({ transition: rules, request, approvals, version, now: at });
}

describe('evaluateApprovals', () => {
  it('is satisfied when every required role has a distinct approver', () => {
    const result = evaluate(credit, [
      approval('mo', 'model_owner'),
      approval('ro', 'risk_officer'),
      approval('co', 'compliance_officer'),
    ]);
    expect(result.satisfied).toBe(true);
    expect(result.counted).toHaveLength(3);
    expect(result.missing).toEqual([]);
  });

  it('reports each missing role', () => {
    const result = evaluate(credit, [approval('mo', 'model_owner')]);
    expect(result.satisfied).toBe(false);
    expect(result.missing).toEqual([
      { role: 'risk_officer', needed: 1 },
      { role: 'compliance_officer', needed: 1 },
    ]);
  });

  it('rejects an approval by the requester', () => {
    const result = evaluate(credit, [approval('rita.requester', 'model_owner')]);
    expect(result.counted).toEqual([]);
    expect(result.ignored[0]?.why).toBe('requester');
  });

  it('rejects an approval by whoever registered the version', () => {
    expect(evaluate(credit, [approval('carl.creator', 'risk_officer')]).ignored[0]?.why).toBe(
      'creator',
    );
  });

  it('rejects an approval by whoever trained the version', () => {
    expect(evaluate(credit, [approval('tom.trainer', 'risk_officer')]).ignored[0]?.why).toBe(
      'trainer',
    );
  });

  it('lets the requester approve when the policy allows it', () => {
    const rules = {
      ...credit,
      separationOfDuties: { ...credit.separationOfDuties, requesterMayApprove: true },
    };
    expect(evaluate(rules, [approval('rita.requester', 'model_owner')]).counted).toHaveLength(1);
  });

  it('an approval stops counting when evidence changes', () => {
    const result = evaluate(credit, [approval('mo', 'model_owner', { evidenceDigest: E2 })]);
    expect(result.counted).toEqual([]);
    expect(result.ignored[0]?.why).toBe('evidence_changed');
  });

  it('an approval stops counting when the policy changes', () => {
    const result = evaluate(credit, [approval('mo', 'model_owner', { policyDigest: 'sha256:p2' })]);
    expect(result.ignored[0]?.why).toBe('policy_changed');
  });

  it('one person cannot fill two roles', () => {
    const result = evaluate(credit, [
      approval('mo', 'model_owner'),
      approval('mo', 'risk_officer'),
      approval('co', 'compliance_officer'),
    ]);
    expect(result.satisfied).toBe(false);
    expect(result.ignored.map((i) => i.why)).toEqual(['second_role']);
    expect(result.missing).toEqual([{ role: 'risk_officer', needed: 1 }]);
  });

  it('two-person rule needs two distinct people', () => {
    const result = evaluate(medical, [
      approval('dr.x', 'senior_clinician'),
      approval('dr.x', 'model_owner'),
    ]);
    expect(result.missing).toEqual([]);
    expect(result.distinctApprovers).toBe(1);
    expect(result.satisfied).toBe(false);
    const two = evaluate(medical, [
      approval('dr.x', 'senior_clinician'),
      approval('mo', 'model_owner'),
    ]);
    expect(two.satisfied).toBe(true);
  });

  it('counts a person once per role', () => {
    const rules: ApprovalRules = { ...credit, approvals: [{ role: 'risk_officer', count: 2 }] };
    const result = evaluate(
      { ...rules, separationOfDuties: { ...credit.separationOfDuties, minDistinctApprovers: 2 } },
      [approval('ro', 'risk_officer'), approval('ro', 'risk_officer')],
    );
    expect(result.ignored[0]?.why).toBe('duplicate');
    expect(result.missing).toEqual([{ role: 'risk_officer', needed: 1 }]);
  });

  it('ignores approvals in roles the transition does not ask for', () => {
    expect(evaluate(credit, [approval('tl', 'tech_lead')]).ignored[0]?.why).toBe(
      'role_not_required',
    );
  });

  it('ignores approvals beyond what a role needs', () => {
    const result = evaluate(credit, [approval('a', 'model_owner'), approval('b', 'model_owner')]);
    expect(result.ignored[0]?.why).toBe('role_already_filled');
  });

  it('expires approvals after approvalExpiresAfter', () => {
    const rules = { ...credit, approvalExpiresAfter: '1h' };
    const a = approval('mo', 'model_owner', { at: '2026-03-01T10:00:00.000Z' });
    expect(evaluate(rules, [a], new Date('2026-03-01T10:59:59.000Z')).counted).toHaveLength(1);
    expect(evaluate(rules, [a], new Date('2026-03-01T11:00:00.000Z')).ignored[0]?.why).toBe(
      'expired',
    );
  });

  it('a valid rejection blocks even with every approval in', () => {
    const result = evaluate(credit, [
      approval('mo', 'model_owner'),
      approval('ro', 'risk_officer', { decision: 'reject' }),
      approval('co', 'compliance_officer'),
      approval('ro2', 'risk_officer'),
    ]);
    expect(result.rejection?.approver).toBe('ro');
    expect(result.satisfied).toBe(false);
  });

  it('a rejection on stale evidence does not block', () => {
    const result = evaluate(credit, [
      approval('ro', 'risk_officer', { decision: 'reject', evidenceDigest: E2 }),
    ]);
    expect(result.rejection).toBeUndefined();
  });
});
