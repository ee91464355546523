import {
  type ApprovalEvaluation,
  type ApprovalRules,
  evaluateApprovals,
  separationOfDutiesViolation,
  type VersionFacts,
} from '../../domain/approval-rules.js';
import { standardPathRules } from '../../domain/emergency-sign-off.js';
import {
  type Approval,
  type ApprovalDecision,
  ClearanceError,
  invalidInput,
  type Principal,
  type RiskClass,
  refusalError,
  riskClasses,
  type TransitionRequest,
} from '../../domain/index.js';
import { checkTicket } from '../../domain/transition-rules.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { forbidden, guarded } from '../shared/authorise.js';
import { emit, requestSubject, requestSummary } from '../shared/emit-event.js';
import type { Repositories, WriteScope } from '../shared/ports.js';
import { startedEarly, together } from '../shared/read-together.js';
import { openRequestContext } from '../shared/request-context.js';
import {
  LineageNotKept,
  type LineageTrainers,
  lineageTrainersAhead,
  replacedBaselineDigest,
  requestInForce,
  roleHolders,
  signOffRules,
  versionFacts,
} from './approval-facts.js';
import { hasReview } from './emergency-status.js';
import { assertNotLapsed, expiredRequestError } from './request-lifetime.js';

export interface ApprovalInput {
  requestId: string;
  role: string;
  decision: ApprovalDecision;
  comment: string;
  ticket?: string;
  riskClass: RiskClass;
}

export interface ApprovalResult {
  approval: Approval;
  request: TransitionRequest;
  /** How the approvals count now (satisfied, missing roles, ignored approvals and why). */
  approvals: ApprovalEvaluation;
}

/** A sign-off bound to the evidence, policy and baseline digests in force now. */
export function newApproval(facts: {
  deps: Pick<AppDeps, 'ids'>;
  principal: Principal;
  request: TransitionRequest;
  input: ApprovalInput;
  baselineDigest: string | null;
  at: string;
}): Approval {
  const { principal, request, input } = facts;
  return {
    id: facts.deps.ids.next(),
    requestId: request.id,
    approver: principal.id,
    role: input.role,
    decision: input.decision,
    comment: input.comment,
    ...(input.ticket ? { ticket: input.ticket } : {}),
    riskClass: input.riskClass,
    evidenceDigest: request.evidenceDigest,
    policyDigest: request.policyDigest,
    baselineDigest: facts.baselineDigest,
    at: facts.at,
  };
}

export function checkApprovalText(input: Pick<ApprovalInput, 'comment' | 'riskClass'>): void {
  if (input.comment.trim() === '')
    throw invalidInput('The comment is empty.', 'Say why you approve or reject.');
  if (!riskClasses.includes(input.riskClass)) {
    throw invalidInput(
      `Risk classification "${input.riskClass}" is unknown.`,
      'Use low, medium or high.',
    );
  }
}

/**
 * Only an open request takes approvals. An emergency takes the sign-offs its emergency section
 * names before it executes (ADR 011); once executed and until its bypass window ends, the
 * standard approvals of its transition (ADR 013: the standard path it must satisfy to stay);
 * after that, only its post-incident review.
 */
function assertTakesApprovals(request: TransitionRequest, now: Date): void {
  if (request.status === 'pending' || request.status === 'approved') return;
  if (isInBypassWindow(request, now)) return;
  if (request.status === 'expired' && request.bypassExpiresAt === undefined) {
    throw expiredRequestError(request, 'approved');
  }
  if (hasReview(request)) {
    throw precondition(
      `Request ${request.id} is an executed emergency change whose bypass window has ended; it is signed off by its post-incident review now.`,
      'Record the review: POST /api/v1/requests/{id}/reviews (clearance review).',
    );
  }
  throw precondition(
    `Request ${request.id} is ${request.status}; it takes no more approvals.`,
    'Open a new request.',
  );
}

/**
 * An executed emergency whose bypass window is still open at `now`: not yet ended by the
 * `emergency.expire` job, and not past its end either, so a sign-off given after the deadline
 * never counts, however late the job runs (the window is `[execution, bypassExpiresAt)`).
 */
function isInBypassWindow(request: TransitionRequest, now: Date): boolean {
  return (
    request.changeType === 'emergency' &&
    request.status === 'executed' &&
    request.closeReason === undefined &&
    request.bypassExpiresAt !== undefined &&
    now.getTime() < Date.parse(request.bypassExpiresAt)
  );
}

function precondition(message: string, fix: string): ClearanceError {
  return new ClearanceError('precondition_failed', message, { problems: [{ message, fix }] });
}

/**
 * Records an approval or a rejection, bound to the evidence and policy digests in force now.
 * Separation of duties is enforced here (refused as `forbidden`) and again when approvals are
 * counted. A rejection closes the request; the last needed approval makes it `approved`.
 */
export async function recordApproval(
  deps: AppDeps,
  principal: Principal,
  input: ApprovalInput,
): Promise<ApprovalResult> {
  checkApprovalText(input);
  const subject = { type: 'request', id: input.requestId };
  return guarded(
    deps,
    { actor: principal, action: `approval.${input.decision}`, subject },
    async () => {
      const scope = await modelOfRequest(deps, input.requestId);
      const kept = await approveOnKeptReadings(deps, principal, input, scope);
      if (kept !== undefined) return kept;
      const trainers = await lineageTrainersAhead(deps, input.requestId);
      return deps.store.transaction(
        (tx) => approveIn(deps, tx, { principal, input, trainers }),
        scope,
      );
    },
  );
}

/**
 * The approval's transaction with no read ahead, when the app keeps lineage readings (ADR 020):
 * the usual case, every lineage file of the version attached through this server, reads no blob
 * at all. A lineage blob with no kept reading ends this transaction before it writes anything
 * (undefined); the caller then reads the lineage ahead and runs the transaction again (ADR 019).
 * The work returns rather than throws, so that, run side by side with other models' writes
 * (ADR 051), it ends whole and does not send them all round again.
 */
async function approveOnKeptReadings(
  deps: AppDeps,
  principal: Principal,
  input: ApprovalInput,
  scope: WriteScope | undefined,
): Promise<ApprovalResult | undefined> {
  if (deps.lineageReadings === undefined) return undefined;
  return deps.store.transaction(
    (tx) =>
      approveIn(deps, tx, { principal, input, trainers: new Map(), keptOnly: true }).catch(
        (error: unknown) => {
          if (error instanceof LineageNotKept) return undefined;
          throw error;
        },
      ),
    scope,
  );
}

/**
 * The model the request is for, read ahead by its id (one statement, outside the write path) where
 * the store runs writes side by side: the approval's transaction names it (`WriteScope`, ADR 051).
 * A request never changes model, so the answer holds whatever happens meanwhile; none when there
 * is no such request (the transaction refuses it).
 */
async function modelOfRequest(deps: AppDeps, requestId: string): Promise<WriteScope | undefined> {
  if (deps.store.writesSideBySide !== true) return undefined;
  const request = await deps.store.readOne((tx) => tx.requests.get(requestId));
  return request === undefined ? undefined : { model: request.model };
}

/** The approval's write transaction: judged, recorded, audited and counted under the lock. */
async function approveIn(
  deps: AppDeps,
  tx: Repositories,
  args: { principal: Principal; input: ApprovalInput; trainers: LineageTrainers; keptOnly?: true },
): Promise<ApprovalResult> {
  const { principal, input } = args;
  const subject = { type: 'request', id: input.requestId };
  // One instant judges the window and stamps the sign-off.
  const now = deps.clock.now();
  const context = await approvalContext(deps, tx, { ...args, now });
  const { transition, version, stored, current, previous, baselineDigest } = context;
  const time = now.toISOString();
  const approval = newApproval({
    deps,
    principal,
    request: current,
    input,
    baselineDigest,
    at: time,
  });
  const all = [...previous, approval];
  const approvals = evaluateApprovals({
    transition,
    request: current,
    approvals: all,
    version,
    now: new Date(time),
    current: { baselineDigest, holdsRole: await context.holdsRole },
  });
  // The sign-off, its audit entry and what it settles, sent together (ADR 049): the settling
  // writes the request's row and its events, which neither of the others reads.
  const [, , updated] = await together([
    tx.approvals.insert(approval),
    tx.audit.append(
      auditRecord({
        actor: principal,
        time,
        action: 'approval.recorded',
        subject,
        reason: input.comment,
        ticket: input.ticket,
        digests: {
          evidence: current.evidenceDigest,
          policy: current.policyDigest,
          baseline: baselineDigest ?? undefined,
        },
        data: {
          approvalId: approval.id,
          role: input.role,
          decision: input.decision,
          riskClass: input.riskClass,
        },
      }),
    ),
    settle(deps, tx, { request: current, stored, approval, approvals, time, principal }),
  ]);
  return { approval, request: updated, approvals };
}

interface ApprovalContext {
  transition: ApprovalRules;
  version: VersionFacts;
  /** The request's row as stored. */
  stored: TransitionRequest;
  /** The request with the policy and evidence in force now (`requestInForce`). */
  current: TransitionRequest;
  previous: Approval[];
  baselineDigest: string | null;
  /** Whether an approver (these, and the principal) holds a role on the model now. */
  holdsRole: ReturnType<typeof roleHolders>;
}

/** Loads what an approval is judged against and refuses it if any rule forbids it. */
async function approvalContext(
  deps: AppDeps,
  tx: Repositories,
  args: {
    principal: Principal;
    input: ApprovalInput;
    now: Date;
    trainers: LineageTrainers;
    keptOnly?: true;
  },
): Promise<ApprovalContext> {
  const { principal, input, now } = args;
  // The sign-offs so far, asked for with the request (ADR 049): a read that refuses nothing.
  const previousRead = startedEarly(tx.approvals.list(input.requestId));
  const context = await openRequestContext(tx, {
    requestId: input.requestId,
    principal,
    check: (request) => assertTakesApprovals(request, now),
    authority: () => ({ roles: [input.role], action: `approve as ${input.role}` }),
  });
  const { request, model, transition } = context;
  assertNotLapsed({ policy: context.policy, request, now, action: 'approved' });
  const regularising = isInBypassWindow(request, now);
  const rules = regularising
    ? standardPathRules(transition)
    : signOffRules(context.policy, request, transition);
  if (!rules.approvals.some((a) => a.role === input.role)) {
    const what = request.changeType === 'emergency' ? 'An emergency' : 'The transition';
    throw invalidInput(
      `${what} ${request.from} → ${request.to} does not ask for a ${input.role} approval.`,
      `Approve in one of the roles ${rules.approvals.map((a) => a.role).join(', ')}.`,
    );
  }
  // Answered with the request: no round trip of its own.
  const previous = await previousRead;
  // The version, the evidence in force and the roles of the approvers (these and the principal)
  // asked for together (ADR 049). Reads only: they refuse nothing, so the refusals below keep
  // their order.
  const holdsRole = startedEarly(
    roleHolders(tx, {
      model: request.model,
      approvers: [...previous.map((a) => a.approver), principal.id],
    }),
  );
  const [registered, facts] = await together([
    tx.versions.get(request.model, request.version),
    requestInForce(tx, { request, policyDigest: model.policyDigest, transition }),
  ]);
  if (!registered) throw new Error(`request ${request.id} names a missing version`);
  const { current, evidence } = facts;
  const version = await versionFacts(deps, tx, registered, {
    known: args.trainers,
    evidence,
    ...(args.keptOnly ? { keptOnly: true } : {}),
  }).catch(async (error: unknown) => {
    // Ended before it wrote anything: once its last read is answered, nothing of it is in flight.
    if (error instanceof LineageNotKept) await holdsRole.catch(() => undefined);
    throw error;
  });
  assertSeparationOfDuties({ rules, principal, request, version });
  const ticketRefusal = checkTicket(transition, input.ticket);
  if (ticketRefusal) throw refusalError(ticketRefusal);
  // Regularising: the gates at expiry compare with the version the emergency replaced.
  const baselineDigest = regularising
    ? await replacedBaselineDigest(tx, { transition, model: request.model })
    : facts.baselineDigest;
  // Only sign-offs bound to what is in force now still count, and so can be repeated or clash.
  const inForce = previous.filter(
    (a) =>
      a.evidenceDigest === current.evidenceDigest &&
      a.policyDigest === current.policyDigest &&
      a.baselineDigest === baselineDigest,
  );
  assertNotRepeated({ previous: inForce, current, principal, input });
  if (rules.separationOfDuties.oneRolePerPerson) {
    assertOneRole({ previous: inForce, current, principal, role: input.role });
  }
  return {
    transition: rules,
    version,
    stored: request,
    current,
    previous,
    baselineDigest,
    holdsRole,
  };
}

function assertSeparationOfDuties(input: {
  rules: ApprovalRules;
  principal: Principal;
  request: TransitionRequest;
  version: VersionFacts;
}): void {
  const { principal, request } = input;
  const violation = separationOfDutiesViolation({
    duties: input.rules.separationOfDuties,
    person: principal.id,
    requestedBy: request.requestedBy,
    version: input.version,
  });
  if (violation === 'trainer_unknown') {
    throw precondition(
      `A lineage file in the evidence of ${request.model}@${request.version} cannot be read, so whether ${principal.id} trained it cannot be checked (separation of duties).`,
      'Register a new version with a readable lineage.json and request it.',
    );
  }
  if (violation) {
    const who = {
      requester: 'requested this change',
      creator: 'registered this version',
      trainer: 'trained this version',
    }[violation];
    throw forbidden(
      `${principal.id} ${who} and may not approve or reject request ${request.id} (separation of duties).`,
      'Ask another holder of the role.',
    );
  }
}

/**
 * The same sign-off twice (same person, role and decision, on the evidence, policy and baseline
 * in force: `previous` holds only those)
 * would count once and clutter the record: refused. Changing one's mind (approve, then reject) or
 * signing again after the evidence changed is not a repeat.
 */
function assertNotRepeated(input: {
  previous: readonly Approval[];
  current: TransitionRequest;
  principal: Principal;
  input: { role: string; decision: Approval['decision'] };
}): void {
  const { current, principal } = input;
  const same = input.previous.find(
    (a) =>
      a.approver === principal.id &&
      a.role === input.input.role &&
      a.decision === input.input.decision,
  );
  if (same) {
    const verb = same.decision === 'approve' ? 'approved' : 'rejected';
    const message = `${principal.id} already ${verb} request ${current.id} as ${same.role} at ${same.at}; that sign-off still counts.`;
    throw new ClearanceError('conflict', message, {
      problems: [{ message, fix: 'Nothing to do; or ask another holder of the role.' }],
    });
  }
}

/** One person fills one role per request (`previous`: the approvals bound to what is in force). */
function assertOneRole(input: {
  previous: readonly Approval[];
  current: TransitionRequest;
  principal: Principal;
  role: string;
}): void {
  const { current, principal } = input;
  const other = input.previous.find((a) => a.approver === principal.id && a.role !== input.role);
  if (other) {
    throw forbidden(
      `${principal.id} already signed off request ${current.id} as ${other.role}; one person fills one role per request.`,
      `Ask another holder of ${input.role}.`,
    );
  }
}

async function settle(
  deps: AppDeps,
  tx: Repositories,
  input: {
    request: TransitionRequest;
    stored: TransitionRequest;
    approval: Approval;
    approvals: ApprovalEvaluation;
    time: string;
    principal: Principal;
  },
): Promise<TransitionRequest> {
  const { request, approval, time } = input;
  const recorded = {
    type: 'approval.recorded' as const,
    at: time,
    subject: requestSubject(request),
    data: {
      request: requestSummary(request),
      approval: {
        id: approval.id,
        approver: approval.approver,
        role: approval.role,
        decision: approval.decision,
        comment: approval.comment,
        at: approval.at,
      },
      stillNeeded: input.approvals.missing.map(({ role, needed }) => ({ role, needed })),
    },
  };
  // An executed emergency stays executed: a standard sign-off (or its rejection) is counted
  // when its bypass window ends (ADR 013).
  if (request.status === 'executed') {
    await emit(tx, deps, recorded);
    return request;
  }
  if (approval.decision === 'reject') {
    await emit(tx, deps, recorded);
    const rejected: TransitionRequest = {
      ...request,
      status: 'rejected',
      closedAt: time,
      closedBy: approval.approver,
      closeReason: approval.comment,
    };
    await tx.requests.update(rejected);
    await tx.audit.append(
      auditRecord({
        actor: input.principal,
        time,
        action: 'transition.rejected',
        subject: { type: 'request', id: request.id },
        reason: approval.comment,
        ticket: approval.ticket,
        digests: { evidence: request.evidenceDigest, policy: request.policyDigest },
        data: { role: approval.role, riskClass: approval.riskClass },
      }),
    );
    await emit(tx, deps, {
      type: 'transition.rejected',
      at: time,
      subject: requestSubject(rejected),
      data: {
        request: requestSummary(rejected),
        rejectedBy: approval.approver,
        reason: approval.comment,
      },
    });
    return rejected;
  }
  const updated: TransitionRequest = {
    ...request,
    status: input.approvals.satisfied ? 'approved' : 'pending',
  };
  // The row records the policy and evidence in force at this sign-off; a sign-off that changes
  // neither them nor the status writes nothing (ADR 028).
  const { stored } = input;
  const unchanged =
    updated.status === stored.status &&
    updated.policyDigest === stored.policyDigest &&
    updated.evidenceDigest === stored.evidenceDigest;
  // The event and the request's row, sent together (ADR 049).
  await together([emit(tx, deps, recorded), unchanged ? undefined : tx.requests.update(updated)]);
  return updated;
}
