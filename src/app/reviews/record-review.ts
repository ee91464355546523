import {
  type ApprovalEvaluation,
  separationOfDutiesViolation,
} from '../../domain/approval-rules.js';
import {
  type Approval,
  ClearanceError,
  invalidInput,
  type Principal,
  refusalError,
  type TransitionRequest,
} from '../../domain/index.js';
import { checkTicket } from '../../domain/transition-rules.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { forbidden, guarded } from '../shared/authorise.js';
import { emit, requestSubject, requestSummary } from '../shared/emit-event.js';
import { openRequestContext } from '../shared/request-context.js';
import { versionFacts } from '../transitions/approval-facts.js';
import {
  hasReview,
  reviewApprovals,
  reviewRules,
  reviewStatus,
} from '../transitions/emergency-status.js';
import {
  type ApprovalInput,
  checkApprovalText,
  newApproval,
} from '../transitions/record-approval.js';

/** Only an executed (or expired) emergency change has a post-incident review. */
function assertReviewable(request: TransitionRequest): void {
  if (!hasReview(request)) {
    const message = `Request ${request.id} is not an executed emergency change; it has no post-incident review.`;
    throw new ClearanceError('precondition_failed', message, {
      problems: [
        {
          message,
          fix: 'Approve a standard request with POST /api/v1/requests/{id}/approvals (clearance approve).',
        },
      ],
    });
  }
}

export interface ReviewInput {
  requestId: string;
  decision: ApprovalInput['decision'];
  role: string;
  /** The review's findings. */
  comment: string;
  ticket?: string;
  /** An emergency change is classified high-risk unless the reviewer says otherwise. */
  riskClass?: ApprovalInput['riskClass'];
}

export interface ReviewResult {
  approval: Approval;
  /** How the review's sign-offs count now: satisfied, counted, missing roles. */
  review: ApprovalEvaluation;
}

/**
 * Records a post-incident review sign-off on an executed (or expired) emergency change: a role
 * the review asks for, never by the break-glass requester, one role per person, once each, with
 * the ticket the emergency's transition requires.
 */
export async function recordReview(
  deps: AppDeps,
  principal: Principal,
  reviewInput: ReviewInput,
): Promise<ReviewResult> {
  const input: ApprovalInput = { ...reviewInput, riskClass: reviewInput.riskClass ?? 'high' };
  checkApprovalText(input);
  const subject = { type: 'request', id: input.requestId };
  return guarded(deps, { actor: principal, action: 'review.record', subject }, () =>
    deps.store.transaction(async (tx) => {
      const { request, policy, transition } = await openRequestContext(tx, {
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
      const registered = await tx.versions.get(request.model, request.version);
      if (!registered) throw new Error(`request ${request.id} names a missing version`);
      // With the trainers its lineage evidence names, as every other sign-off checks them.
      const version = await versionFacts(deps, tx, registered);
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
      const ticketRefusal = checkTicket(transition, input.ticket);
      if (ticketRefusal) throw refusalError(ticketRefusal);
      const previous = await reviewApprovals(tx, request);
      assertNotRejected(request, previous);
      assertNewSignOff(previous, principal, input);
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
            outcome: review.rejection ? 'rejected' : review.satisfied ? 'approved' : 'pending',
          },
        }),
      );
      if (input.decision === 'reject') {
        const version = await tx.versions.get(request.model, request.version);
        await emit(tx, deps, {
          type: 'review.rejected',
          at: time,
          subject: requestSubject(request),
          data: {
            request: requestSummary(request),
            review: {
              approvalId: approval.id,
              reviewer: principal.id,
              role: input.role,
              findings: input.comment,
              ...(input.ticket ? { ticket: input.ticket } : {}),
              at: time,
            },
            stillServing: request.status === 'executed' && version?.state === request.to,
          },
        });
      }
      return { approval, review };
    }),
  );
}

/**
 * A rejected review is closed (ADR 013): its findings stand, and later sign-offs would only blur
 * the record. Remediation is a new decision (a rollback, or a standard request), not a re-vote.
 */
function assertNotRejected(request: TransitionRequest, previous: readonly Approval[]): void {
  const rejection = previous.find((a) => a.decision === 'reject');
  if (!rejection) return;
  const message = `The post-incident review of request ${request.id} was rejected by ${rejection.approver} (${rejection.role}) at ${rejection.at}; it is closed.`;
  throw new ClearanceError('precondition_failed', message, {
    problems: [
      {
        message,
        fix: 'Remediate under the findings: roll back (clearance rollback) or take a version through the standard path.',
      },
    ],
  });
}

/** One role per reviewer, and the same sign-off twice is a repeat. */
function assertNewSignOff(
  previous: readonly Approval[],
  principal: Principal,
  input: ApprovalInput,
): void {
  const mine = previous.filter((a) => a.approver === principal.id);
  const other = mine.find((a) => a.role !== input.role);
  if (other)
    throw forbidden(
      `${principal.id} already reviewed request ${input.requestId} as ${other.role}; one role per person.`,
      'Ask another person to review in this role.',
    );
  if (mine.some((a) => a.decision === input.decision)) {
    const message = `${principal.id} already recorded this ${input.decision} of request ${input.requestId} as ${input.role}.`;
    throw new ClearanceError('precondition_failed', message, {
      problems: [{ message, fix: 'Nothing to do; the review already counts it.' }],
    });
  }
}
