/** Read-only use cases: models, versions, requests, the approvals inbox, the serving view. */
import {
  type ApprovalEvaluation,
  evaluateApprovals,
  separationOfDutiesViolation,
} from '../domain/approval-rules.js';
import {
  type Approval,
  evidenceSetDigest,
  findTransition,
  type Model,
  type Principal,
  type ServingView,
  type TransitionRequest,
  type VersionView,
} from '../domain/index.js';
import type { AppDeps } from './app-deps.js';
import { rolesFor } from './authorise.js';
import { loadModel, loadPolicy, notFound } from './load-policy.js';

export async function getModel(deps: AppDeps, input: { name: string }): Promise<Model> {
  return deps.store.transaction((tx) => loadModel(tx, input.name));
}

export async function getVersion(
  deps: AppDeps,
  input: { model: string; version: string },
): Promise<VersionView> {
  const found = await deps.store.transaction((tx) => tx.versions.get(input.model, input.version));
  if (!found)
    throw notFound(`Version ${input.model}@${input.version}`, 'Check the model and version names.');
  return found;
}

export interface RequestView {
  request: TransitionRequest;
  approvals: Approval[];
  /** Approvals counted against the evidence and policy in force now. */
  status: ApprovalEvaluation;
}

export async function getRequest(
  deps: AppDeps,
  input: { requestId: string },
): Promise<RequestView> {
  return deps.store.transaction(async (tx) => {
    const request = await tx.requests.get(input.requestId);
    if (!request) throw notFound(`Transition request ${input.requestId}`, 'Check the request id.');
    const model = await loadModel(tx, request.model);
    const policy = await loadPolicy(tx, model.policyDigest);
    const version = await tx.versions.get(request.model, request.version);
    const approvals = await tx.approvals.list(request.id);
    const transition = findTransition(policy, request.from, request.to);
    if (!version || !transition)
      throw new Error(`request ${request.id} refers to a missing version or transition`);
    const current = {
      ...request,
      policyDigest: model.policyDigest,
      evidenceDigest: evidenceSetDigest(await tx.evidence.list(request.model, request.version)),
    };
    const status = evaluateApprovals({
      transition,
      request: current,
      approvals,
      version,
      now: deps.clock.now(),
    });
    return { request, approvals, status };
  });
}

/**
 * The approvals inbox: open requests where the principal holds a role that is still missing and
 * separation of duties lets them sign off.
 */
export async function listInbox(
  deps: AppDeps,
  principal: Principal,
): Promise<{ request: TransitionRequest; roles: string[] }[]> {
  const open = await deps.store.transaction((tx) => tx.requests.list({ status: ['pending'] }));
  const inbox: { request: TransitionRequest; roles: string[] }[] = [];
  for (const request of open) {
    if (request.changeType === 'emergency') continue;
    const view = await getRequest(deps, { requestId: request.id });
    const version = await getVersion(deps, { model: request.model, version: request.version });
    const model = await getModel(deps, { name: request.model });
    const policy = await deps.store.transaction((tx) => loadPolicy(tx, model.policyDigest));
    const duties = findTransition(policy, request.from, request.to)?.separationOfDuties;
    if (!duties) continue;
    if (
      separationOfDutiesViolation({
        duties,
        person: principal.id,
        requestedBy: request.requestedBy,
        version,
      })
    )
      continue;
    if (view.status.counted.some((a) => a.approver === principal.id)) continue;
    const held = rolesFor(principal, request.model);
    const roles = view.status.missing.map((m) => m.role).filter((role) => held.includes(role));
    if (roles.length > 0) inbox.push({ request, roles });
  }
  return inbox;
}

export async function getServing(deps: AppDeps, input: { model: string }): Promise<ServingView> {
  return deps.store.transaction(async (tx) => {
    await loadModel(tx, input.model);
    return tx.serving.get(input.model);
  });
}
