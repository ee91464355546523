/**
 * Read-only use cases of transition requests and their decisions: one request with how its
 * approvals count now, a decision record, the approvals inbox. A request's or decision's details
 * (reasons, approvers, evidence) are for those holding a role on its model.
 */
import {
  type ApprovalEvaluation,
  evaluateApprovals,
  separationOfDutiesViolation,
} from '../../domain/approval-rules.js';
import {
  type Approval,
  type DecisionRecord,
  evidenceSetDigest,
  findTransition,
  notFound,
  type Policy,
  type Principal,
  type RequestStatus,
  requestExpiresAt,
  type TransitionRequest,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { rolesFor } from '../shared/authorise.js';
import { loadModel, loadPolicy } from '../shared/load-policy.js';
import type { Repositories } from '../shared/ports.js';
import { guardedRead } from '../shared/read-access.js';
import { loadRequest } from '../shared/request-context.js';
import { requestInForce, roleHolders, signOffRules, versionFacts } from './approval-facts.js';
import { type EmergencyReviewState, emergencyReviewState, hasReview } from './emergency-status.js';
import { executorsOf } from './execute-transition.js';

/**
 * What the caller may do with a request now, so a page shows exactly those buttons. The use cases
 * that do them still check everything again (gates, digests, separation of duties).
 */
export interface RequestActions {
  /**
   * Roles the caller could sign in now: approvals of an open request, or the post-incident review
   * of an executed emergency change (`status.basis` says which).
   */
  signAs: string[];
  /** The caller may execute it: open, its sign-offs in, and the caller among its executors. */
  execute: boolean;
  /** The caller may cancel it: open, and the caller its requester or an admin. */
  cancel: boolean;
}

export interface RequestView {
  request: TransitionRequest;
  approvals: Approval[];
  /**
   * Approvals counted against the evidence and policy in force now (`approvals`); for an executed
   * request, those its executing decision counted (`execution`, with `decisionId`) — counted again
   * now, its own promotion (a new production baseline) or a later policy would discard every one;
   * for an executed emergency change, its post-incident review's sign-offs counted under the
   * policy it executed by, with `emergency` saying what it bypassed and what the review still owes.
   */
  status: ApprovalEvaluation & {
    basis: 'approvals' | 'execution' | 'post_incident_review';
    decisionId?: string;
    emergency?: EmergencyReviewState;
  };
  /** For the caller who read it. */
  actions: RequestActions;
}

/** A transition request with its approvals, counted as execution would count them now. */
export async function getRequest(
  deps: AppDeps,
  principal: Principal,
  input: { requestId: string },
): Promise<RequestView> {
  const { requestId } = input;
  const request = await deps.store.read((tx) => loadRequest(tx, requestId));
  const subject = { type: 'request', id: requestId };
  const what = `transition request ${requestId}`;
  const read = { principal, action: 'request.read', subject, model: request.model, what };
  return guardedRead(deps, read, () => requestView(deps, principal, requestId));
}

async function requestView(
  deps: AppDeps,
  principal: Principal,
  requestId: string,
): Promise<RequestView> {
  return deps.store.read(async (tx) => {
    const request = await loadRequest(tx, requestId);
    if (hasReview(request)) {
      // Executed under bypass: what it owes now is its review, judged under its own policy.
      const policy = await loadPolicy(tx, request.policyDigest);
      const { evaluation, state } = await emergencyReviewState(tx, {
        request,
        policy,
        now: deps.clock.now(),
      });
      const approvals = await tx.approvals.list(request.id);
      const held = rolesFor(principal, request.model);
      const signed = approvals.some((a) => a.approver === principal.id);
      const signAs = state.reviewComplete || signed ? [] : missingHeld(evaluation, held);
      return {
        request,
        approvals,
        status: { ...evaluation, basis: 'post_incident_review', emergency: state },
        actions: { signAs, execute: false, cancel: false },
      };
    }
    const approvals = await tx.approvals.list(request.id);
    const executed = await executionStatus(tx, request);
    if (executed) {
      const actions = { signAs: [], execute: false, cancel: false };
      return { request, approvals, status: executed, actions };
    }
    const model = await loadModel(tx, request.model);
    const policy = await loadPolicy(tx, model.policyDigest);
    const version = await tx.versions.get(request.model, request.version);
    const transition = findTransition(policy, request.from, request.to);
    if (!version || !transition)
      throw new Error(`request ${request.id} refers to a missing version or transition`);
    // The same facts execution re-checks (ADR 007), so the status says what execute would count.
    const { current, baselineDigest } = await requestInForce(tx, {
      request,
      policyDigest: model.policyDigest,
      transition,
    });
    const holdsRole = await roleHolders(tx, {
      model: request.model,
      approvers: approvals.map((a) => a.approver),
    });
    const facts = await versionFacts(deps, tx, version);
    const status = evaluateApprovals({
      transition: signOffRules(policy, request, transition),
      request: current,
      approvals,
      version: facts,
      now: deps.clock.now(),
      current: { baselineDigest, holdsRole },
    });
    const actions = requestActions({
      principal,
      request,
      status,
      policy,
      transition,
      version: facts,
    });
    return { request, approvals, status: { ...status, basis: 'approvals' }, actions };
  });
}

/**
 * An executed request's sign-offs as its executing decision counted them (the decision record is
 * what the promotion rested on); undefined when it has no such decision.
 */
async function executionStatus(
  tx: Repositories,
  request: TransitionRequest,
): Promise<RequestView['status'] | undefined> {
  if (request.status !== 'executed' || request.decisionId === undefined) return undefined;
  const decision = await tx.decisions.get(request.decisionId);
  if (decision?.kind !== 'transition' || decision.outcome !== 'allowed') return undefined;
  const policy = await loadPolicy(tx, decision.policyDigest);
  const transition = findTransition(policy, request.from, request.to);
  if (!transition) throw new Error(`decision ${decision.id} refers to a missing transition`);
  const rules = signOffRules(policy, request, transition);
  const counted = decision.approvalsCounted;
  return {
    satisfied: true,
    counted,
    ignored: [],
    missing: [],
    distinctApprovers: new Set(counted.map((a) => a.approver)).size,
    minDistinctApprovers: rules.separationOfDuties.minDistinctApprovers,
    basis: 'execution',
    decisionId: decision.id,
  };
}

function missingHeld(status: ApprovalEvaluation, held: readonly string[]): string[] {
  return status.missing.map((m) => m.role).filter((role) => held.includes(role));
}

/** The inbox's rule for signing (listInbox), and the execute and cancel rules, for one caller. */
function requestActions(input: {
  principal: Principal;
  request: TransitionRequest;
  status: ApprovalEvaluation;
  policy: Policy;
  transition: NonNullable<ReturnType<typeof findTransition>>;
  version: Parameters<typeof separationOfDutiesViolation>[0]['version'];
}): RequestActions {
  const { principal, request, status, policy, transition, version } = input;
  const open = request.status === 'pending' || request.status === 'approved';
  if (!open) return { signAs: [], execute: false, cancel: false };
  const held = rolesFor(principal, request.model);
  const duties = transition.separationOfDuties;
  const barred =
    request.changeType === 'emergency' ||
    separationOfDutiesViolation({
      duties,
      person: principal.id,
      requestedBy: request.requestedBy,
      version,
    }) !== undefined ||
    status.counted.some((a) => a.approver === principal.id);
  const executors = [...executorsOf({ request, policy, transition }), 'admin'];
  return {
    signAs: barred ? [] : missingHeld(status, held),
    execute: status.satisfied && executors.some((role) => held.includes(role)),
    cancel: request.requestedBy === principal.id || held.includes('admin'),
  };
}

export interface RequestFilter {
  model: string;
  version?: string;
  status?: RequestStatus[];
}

/** A model's transition requests, oldest first; read like one request: with a role on the model. */
export async function listRequests(
  deps: AppDeps,
  principal: Principal,
  filter: RequestFilter,
): Promise<TransitionRequest[]> {
  const { model, version, status } = filter;
  const subject = { type: 'model', id: model };
  const read = { principal, action: 'request.list', subject, model, what: `requests of ${model}` };
  return guardedRead(deps, read, () =>
    deps.store.read(async (tx) => {
      await loadModel(tx, model);
      const found = await tx.requests.list({ model, ...(status ? { status } : {}) });
      return version === undefined ? found : found.filter((r) => r.version === version);
    }),
  );
}

/** The decision, or `not_found`; no authorisation (the caller's use case authorises). */
export async function loadDecision(deps: AppDeps, id: string): Promise<DecisionRecord> {
  const decision = await deps.store.read((tx) => tx.decisions.get(id));
  if (!decision) throw notFound(`Decision ${id}`, 'Check the decision id.');
  return decision;
}

/** A decision's details are read like its request's: with a role on its model. */
export function decisionRead(principal: Principal, decision: DecisionRecord, action: string) {
  const subject = { type: 'decision', id: decision.id };
  return { principal, action, subject, model: decision.model, what: `decision ${decision.id}` };
}

export async function getDecision(
  deps: AppDeps,
  principal: Principal,
  input: { decisionId: string },
): Promise<DecisionRecord> {
  const decision = await loadDecision(deps, input.decisionId);
  return guardedRead(
    deps,
    decisionRead(principal, decision, 'decision.read'),
    async () => decision,
  );
}

export interface InboxItem {
  request: TransitionRequest;
  /** The roles the caller could sign in. */
  roles: string[];
  /**
   * The request's due date: when it expires undecided under its model's policy in force
   * (`requests.expireAfter`, default 14 days), RFC 3339.
   */
  decideBy: string;
}

/**
 * The approvals inbox: open requests where the principal holds a role that is still missing and
 * separation of duties lets them sign off. One read transaction; the board comes from a read
 * model in a fixed number of queries, and each policy is parsed once.
 */
export async function listInbox(deps: AppDeps, principal: Principal): Promise<InboxItem[]> {
  const now = deps.clock.now();
  return deps.store.read((tx) => inboxIn(tx, { principal, now }));
}

/** The inbox read inside the caller's transaction (the release board marks requests with it). */
export async function inboxIn(
  tx: Repositories,
  input: { principal: Principal; now: Date },
): Promise<InboxItem[]> {
  const { principal, now } = input;
  const board = await tx.reads.pendingRequests();
  const policies = new Map<string, Policy>();
  const policyOf = async (digest: string) => {
    const known = policies.get(digest);
    if (known) return known;
    const loaded = await loadPolicy(tx, digest);
    policies.set(digest, loaded);
    return loaded;
  };
  const inbox: InboxItem[] = [];
  for (const { request, version, approvals, evidence, modelPolicyDigest } of board) {
    const policy = await policyOf(modelPolicyDigest);
    const found = findTransition(policy, request.from, request.to);
    if (!found) continue;
    // An emergency waits for the sign-offs its emergency section names (ADR 011).
    const transition = signOffRules(policy, request, found);
    const duties = transition.separationOfDuties;
    const person = principal.id;
    const { requestedBy } = request;
    if (separationOfDutiesViolation({ duties, person, requestedBy, version })) continue;
    const current = {
      ...request,
      policyDigest: modelPolicyDigest,
      evidenceDigest: evidenceSetDigest(evidence),
    };
    const status = evaluateApprovals({ transition, request: current, approvals, version, now });
    if (status.counted.some((a) => a.approver === principal.id)) continue;
    const held = rolesFor(principal, request.model);
    const wanted = transition.anyOne
      ? status.missing.flatMap(() => transition.approvals.map((r) => r.role))
      : status.missing.map((m) => m.role);
    const roles = wanted.filter((role) => held.includes(role));
    const decideBy = requestExpiresAt(policy, request).toISOString();
    if (roles.length > 0) inbox.push({ request, roles, decideBy });
  }
  return inbox;
}
