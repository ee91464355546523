/** Read-only use cases: models, versions, requests, the approvals inbox, the serving view. */
import {
  type ApprovalEvaluation,
  evaluateApprovals,
  separationOfDutiesViolation,
} from '../../domain/approval-rules.js';
import {
  type Approval,
  evidenceSetDigest,
  findTransition,
  type Model,
  notFound,
  type Policy,
  type Principal,
  type ServingView,
  type TransitionRequest,
  type VersionView,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { rolesFor } from '../shared/authorise.js';
import { loadModel, loadPolicy } from '../shared/load-policy.js';
import { requestInForce, roleHolders, versionFacts } from '../transitions/approval-facts.js';

export async function getModel(deps: AppDeps, input: { name: string }): Promise<Model> {
  return deps.store.read((tx) => loadModel(tx, input.name));
}

export async function getVersion(
  deps: AppDeps,
  input: { model: string; version: string },
): Promise<VersionView> {
  const found = await deps.store.read((tx) => tx.versions.get(input.model, input.version));
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
  return deps.store.read(async (tx) => {
    const request = await tx.requests.get(input.requestId);
    if (!request) throw notFound(`Transition request ${input.requestId}`, 'Check the request id.');
    const model = await loadModel(tx, request.model);
    const policy = await loadPolicy(tx, model.policyDigest);
    const version = await tx.versions.get(request.model, request.version);
    const approvals = await tx.approvals.list(request.id);
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
    const status = evaluateApprovals({
      transition,
      request: current,
      approvals,
      version: await versionFacts(deps, tx, version),
      now: deps.clock.now(),
      current: { baselineDigest, holdsRole },
    });
    return { request, approvals, status };
  });
}

/**
 * The approvals inbox: open requests where the principal holds a role that is still missing and
 * separation of duties lets them sign off. One read transaction; the board comes from a read
 * model in a fixed number of queries, and each policy is parsed once.
 */
export async function listInbox(
  deps: AppDeps,
  principal: Principal,
): Promise<{ request: TransitionRequest; roles: string[] }[]> {
  const now = deps.clock.now();
  return deps.store.read(async (tx) => {
    const board = await tx.reads.pendingRequests();
    const policies = new Map<string, Policy>();
    const policyOf = async (digest: string) => {
      const known = policies.get(digest);
      if (known) return known;
      const loaded = await loadPolicy(tx, digest);
      policies.set(digest, loaded);
      return loaded;
    };
    const inbox: { request: TransitionRequest; roles: string[] }[] = [];
    for (const { request, version, approvals, evidence, modelPolicyDigest } of board) {
      if (request.changeType === 'emergency') continue;
      const transition = findTransition(
        await policyOf(modelPolicyDigest),
        request.from,
        request.to,
      );
      if (!transition) continue;
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
      const roles = status.missing.map((m) => m.role).filter((role) => held.includes(role));
      if (roles.length > 0) inbox.push({ request, roles });
    }
    return inbox;
  });
}

export async function getServing(deps: AppDeps, input: { model: string }): Promise<ServingView> {
  return deps.store.read(async (tx) => {
    await loadModel(tx, input.model);
    return tx.serving.get(input.model);
  });
}
