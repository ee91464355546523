/**
 * The sign-offs an emergency change needs before it executes (ADR 011). An emergency bypasses
 * only the gates its policy lists, never these: one break-glass holder never ships alone.
 */
import type { ApprovalRules } from './approval-rules.js';
import type { EmergencyChangeType, TransitionPolicy } from './policy.js';

/**
 * The approval rules of an emergency on `transition`: the roles `changeTypes.emergency.approvals`
 * names (each with its count, every approver a different person), or by default one approval in
 * any role that may approve the transition (any role that may request it, when it asks for no
 * approvals). The transition's creator and one-role-per-person rules apply; the requester may
 * never sign off their own emergency, whatever the transition allows.
 */
export function emergencySignOffRules(
  emergency: Pick<EmergencyChangeType, 'approvals'>,
  transition: TransitionPolicy,
): ApprovalRules {
  const named = emergency.approvals;
  const duties = {
    ...transition.separationOfDuties,
    requesterMayApprove: false,
  };
  const expiry =
    transition.approvalExpiresAfter !== undefined
      ? { approvalExpiresAfter: transition.approvalExpiresAfter }
      : {};
  if (named !== undefined) {
    const required = named.reduce((sum, r) => sum + r.count, 0);
    return {
      approvals: named,
      separationOfDuties: { ...duties, minDistinctApprovers: required },
      ...expiry,
    };
  }
  const roles =
    transition.approvals.length > 0
      ? transition.approvals.map((r) => r.role)
      : transition.requestedBy;
  return {
    approvals: roles.map((role) => ({ role, count: 1 })),
    anyOne: true,
    separationOfDuties: { ...duties, minDistinctApprovers: 1 },
    ...expiry,
  };
}

/**
 * The standard path an executed emergency must satisfy by the end of its bypass window (ADR 013):
 * the transition's own approvals, each by a different person, and — as for the emergency's
 * sign-off — never by the requester, whatever the transition's `requesterMayApprove` says.
 */
export function standardPathRules(transition: TransitionPolicy): ApprovalRules {
  return {
    approvals: transition.approvals,
    separationOfDuties: { ...transition.separationOfDuties, requesterMayApprove: false },
    ...(transition.approvalExpiresAfter !== undefined
      ? { approvalExpiresAfter: transition.approvalExpiresAfter }
      : {}),
  };
}
