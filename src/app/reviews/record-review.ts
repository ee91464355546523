import {
  type ApprovalEvaluation,
  type ApprovalRules,
  evaluateApprovals,
  separationOfDutiesViolation,
} from '../../domain/approval-rules.js';
import {
  type Approval,
  ClearanceError,
  invalidInput,
  type Policy,
  type Principal,
  type TransitionRequest,
  type Version,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { forbidden, guarded } from '../shared/authorise.js';
import type { Repositories } from '../shared/ports.js';
import { openRequestContext } from '../shared/request-context.js';
import {
  type ApprovalInput,
  checkApprovalText,
  newApproval,
} from '../transitions/record-approval.js';

/** The post-incident review's rules: its own approvers; the break-glass requester never reviews. */
function reviewRules(policy: Policy, request: TransitionRequest): ApprovalRules {
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
    approvals: await tx.approvals.list(input.request.id),
    version: input.version,
    now: input.now,
  });
}

/** Only an executed (or expired) emergency change has a post-incident review. */
function assertReviewable(request: TransitionRequest): void {
  if (
    request.changeType !== 'emergency' ||
    (request.status !== 'executed' && request.status !== 'expired')
  ) {
    const message = `Request ${request.id} is not an executed emergency change; it has no post-incident review.`;
    throw new ClearanceError('precondition_failed', message, {
      problems: [{ message, fix: 'Use recordApproval for standard requests.' }],
    });
  }
}

/** Records a post-incident review sign-off on an executed (or expired) emergency change. */
export async function recordReview(
  deps: AppDeps,
  principal: Principal,
  input: ApprovalInput,
): Promise<{ approval: Approval; review: ApprovalEvaluation }> {
  checkApprovalText(input);
  const subject = { type: 'request', id: input.requestId };
  return guarded(deps, { actor: principal, action: 'review.record', subject }, () =>
    deps.store.transaction(async (tx) => {
      const { request, policy } = await openRequestContext(tx, {
        requestId: input.requestId,
        principal,
        // A review judges the change under the policy it was executed by.
        policyOf: 'request',
        check: assertReviewable,
        authority: () => ({ roles: [input.role], action: `review as ${input.role}` }),
      });
      const rules = reviewRules(policy, request);
      if (!rules.approvals.some((a) => a.role === input.role)) {
        throw invalidInput(
          `The post-incident review does not ask for ${input.role}.`,
          `Review as ${rules.approvals.map((a) => a.role).join(', ')}.`,
        );
      }
      const version = await tx.versions.get(request.model, request.version);
      if (!version) throw new Error(`request ${request.id} names a missing version`);
      const violation = separationOfDutiesViolation({
        duties: rules.separationOfDuties,
        person: principal.id,
        requestedBy: request.requestedBy,
        version,
      });
      if (violation)
        throw forbidden(
          `${principal.id} may not review request ${request.id} (${violation}; separation of duties).`,
          'Ask another holder of the role.',
        );
      const time = deps.clock.now().toISOString();
      // A review judges the executed emergency change itself; no baseline is compared.
      const approval = newApproval({
        deps,
        principal,
        request,
        input,
        baselineDigest: null,
        at: time,
      });
      await tx.approvals.insert(approval);
      const review = await reviewStatus(tx, { policy, request, version, now: new Date(time) });
      await tx.audit.append(
        auditRecord({
          actor: principal,
          time,
          action: 'review.recorded',
          subject,
          reason: input.comment,
          ticket: input.ticket,
          digests: { evidence: request.evidenceDigest, policy: request.policyDigest },
          data: {
            approvalId: approval.id,
            role: input.role,
            decision: input.decision,
            riskClass: input.riskClass,
            complete: review.satisfied,
          },
        }),
      );
      return { approval, review };
    }),
  );
}
