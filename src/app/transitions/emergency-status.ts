/**
 * What an executed emergency change owes: the gates it bypassed, when its post-incident review is
 * due, the roles the review asks for and who has signed. The request's status and the review
 * list both report this, counted as `recordReview` counts it.
 */
import {
  type ApprovalEvaluation,
  type ApprovalRules,
  evaluateApprovals,
} from '../../domain/approval-rules.js';
import type {
  Approval,
  ApprovalRequirement,
  Policy,
  TransitionRequest,
  Version,
} from '../../domain/index.js';
import type { Repositories } from '../shared/ports.js';

/** The post-incident review's rules: its own approvers; the break-glass requester never reviews. */
export function reviewRules(policy: Policy, request: TransitionRequest): ApprovalRules {
  const review = policy.changeTypes.emergency?.postIncidentReview;
  const approvals = review?.approvals ?? [];
  const duties = policy.transitions.find(
    (t) => t.from === request.from && t.to === request.to,
  )?.separationOfDuties;
  return {
    approvals,
    separationOfDuties: {
      requesterMayApprove: false,
      creatorMayApprove: duties?.creatorMayApprove ?? false,
      oneRolePerPerson: true,
      minDistinctApprovers: approvals.reduce((sum, a) => sum + a.count, 0),
    },
  };
}

/**
 * The post-incident review's sign-offs on an emergency request: its approvals less the sign-offs
 * given before it executed (those have an `approval.recorded` entry; a review has
 * `review.recorded`). A sign-off never doubles as the review.
 */
export async function reviewApprovals(
  tx: Repositories,
  request: Pick<TransitionRequest, 'id'>,
): Promise<Approval[]> {
  const entries = await tx.audit.aboutSubject({ type: 'request', id: request.id }, [
    'approval.recorded',
  ]);
  const signOffs = new Set(entries.map((e) => e.data.approvalId));
  return (await tx.approvals.list(request.id)).filter((a) => !signOffs.has(a.id));
}

/** Counts the review approvals recorded on an executed emergency request. */
export async function reviewStatus(
  tx: Repositories,
  input: {
    policy: Policy;
    request: TransitionRequest;
    version: Pick<Version, 'createdBy' | 'lineage'>;
    now: Date;
  },
): Promise<ApprovalEvaluation> {
  return evaluateApprovals({
    transition: reviewRules(input.policy, input.request),
    request: input.request,
    approvals: await reviewApprovals(tx, input.request),
    version: input.version,
    now: input.now,
  });
}

export interface ReviewSignature {
  approver: string;
  role: string;
  decision: 'approve' | 'reject';
  at: string;
  ticket?: string;
}

export interface EmergencyReviewState {
  /** Executed with these gates bypassed (from the decision it executed on). */
  executedUnderBypass: boolean;
  bypassedGates: string[];
  bypassExpiresAt?: string;
  reviewDueAt?: string;
  /** Past due and still pending. */
  reviewOverdue: boolean;
  /** The review is done: approved by every role it asks for, or rejected (ADR 013). */
  reviewComplete: boolean;
  /** `rejected` once any reviewer rejects: final, whatever the others signed. */
  reviewOutcome: 'pending' | 'approved' | 'rejected';
  /** The rejecting reviewer's findings, when rejected. */
  findings?: string;
  requiredRoles: ApprovalRequirement[];
  signed: ReviewSignature[];
}

/**
 * Only an emergency change that executed has a review: `executed`, or `expired` after its bypass
 * ended (an emergency that expired unexecuted, past its request lifetime, has none: it carries
 * no bypass window).
 */
export function hasReview(request: TransitionRequest): boolean {
  return (
    request.changeType === 'emergency' &&
    (request.status === 'executed' ||
      (request.status === 'expired' && request.bypassExpiresAt !== undefined))
  );
}

/** The review of an executed emergency change, evaluated at `now` under the request's policy. */
export async function emergencyReviewState(
  tx: Repositories,
  input: { request: TransitionRequest; policy: Policy; now: Date },
): Promise<{ evaluation: ApprovalEvaluation; state: EmergencyReviewState }> {
  const { request, policy, now } = input;
  const version = await tx.versions.get(request.model, request.version);
  if (!version) throw new Error(`request ${request.id} names a missing version`);
  const evaluation = await reviewStatus(tx, { policy, request, version, now });
  const decision = request.decisionId ? await tx.decisions.get(request.decisionId) : undefined;
  const bypassedGates = decision?.bypass ?? [];
  const signed = (await reviewApprovals(tx, request)).map((a) => ({
    approver: a.approver,
    role: a.role,
    decision: a.decision,
    at: a.at,
    ...(a.ticket ? { ticket: a.ticket } : {}),
  }));
  const due = request.reviewDueAt;
  const rejection = evaluation.rejection;
  const reviewOutcome = rejection ? 'rejected' : evaluation.satisfied ? 'approved' : 'pending';
  const state: EmergencyReviewState = {
    executedUnderBypass: bypassedGates.length > 0,
    bypassedGates,
    ...(request.bypassExpiresAt ? { bypassExpiresAt: request.bypassExpiresAt } : {}),
    ...(due ? { reviewDueAt: due } : {}),
    reviewOverdue:
      reviewOutcome === 'pending' && due !== undefined && Date.parse(due) <= now.getTime(),
    reviewComplete: reviewOutcome !== 'pending',
    reviewOutcome,
    ...(rejection ? { findings: rejection.comment } : {}),
    requiredRoles: policy.changeTypes.emergency?.postIncidentReview.approvals ?? [],
    signed,
  };
  return { evaluation, state };
}
