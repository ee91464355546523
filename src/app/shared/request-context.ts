/**
 * The opening every use case on one transition request shares: the request (its row locked), its
 * model, the policy it is judged by, the policy's transition, and the principal's authority to act
 * on it. Written once so approval, review and execution refuse in the same order with the same
 * messages.
 */
import {
  type Model,
  notFound,
  type Policy,
  type Principal,
  refusalError,
  type TransitionPolicy,
  type TransitionRequest,
} from '../../domain/index.js';
import { checkTransitionExists } from '../../domain/transition-rules.js';
import { assertAnyRole } from './authorise.js';
import { loadModel, loadPolicy } from './load-policy.js';
import type { Repositories } from './ports.js';
import { assertMayReadModel } from './read-access.js';
import { startedEarly } from './read-together.js';

/** The request, or `not_found`; `forUpdate` locks its row for the caller's transaction. */
export async function loadRequest(
  tx: Repositories,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<TransitionRequest> {
  const request = await tx.requests.get(id, options);
  if (!request) throw notFound(`Transition request ${id}`, 'Check the request id.');
  return request;
}

/** The request with its row locked, for a use case that changes it. */
export async function loadOpenRequest(tx: Repositories, id: string): Promise<TransitionRequest> {
  return loadRequest(tx, id, { forUpdate: true });
}

export interface RequestContext {
  request: TransitionRequest;
  model: Model;
  policy: Policy;
  transition: TransitionPolicy;
}

/**
 * Opens a request for a use case that acts on it, refusing in this order: a missing request, a
 * principal who may not read its model (ADR 040: nothing of the request's state or policy is
 * told), `check` (the request's own state), a transition the policy lacks, then a principal
 * holding none of the roles `authority` names.
 */
export async function openRequestContext(
  tx: Repositories,
  input: {
    requestId: string;
    principal: Principal;
    /**
     * Lock the model row first and re-read the request under it, so executions on one model take
     * turns and each sees the request as the previous one left it.
     */
    lockModel?: boolean;
    /**
     * With `lockModel`: the request's model as read before the transaction (a request never
     * changes model). That model is locked first and the request read once under it, instead of
     * a read to find the model and a re-read under its lock; a request found naming another model
     * takes the usual way.
     */
    modelOf?: string | undefined;
    /**
     * `false` in a read-only snapshot ahead of the transaction (ADR 014): nothing is locked
     * (PostgreSQL refuses `FOR UPDATE` in a read-only transaction). Default: the request's row.
     */
    lock?: boolean;
    /** Whose policy judges it: the model's in force now (default) or the request's own. */
    policyOf?: 'model' | 'request';
    /** Refusals on the request itself, before its model is read. */
    check: (request: TransitionRequest) => void;
    /** The roles that may act (one suffices), and the action a refusal names. */
    authority: (found: Omit<RequestContext, 'model'>) => {
      roles: readonly string[];
      action: string;
    };
  },
): Promise<RequestContext> {
  const { request, model } = await requestAndModel(tx, input);
  const policy = await loadPolicy(
    tx,
    input.policyOf === 'request' ? request.policyDigest : model.policyDigest,
  );
  const found = checkTransitionExists(policy, request.from, request.to);
  if (!found.ok) throw refusalError(found.refusal);
  const { transition } = found;
  assertAnyRole({
    principal: input.principal,
    model: model.name,
    ...input.authority({ request, policy, transition }),
  });
  return { request, model, policy, transition };
}

/** A request is read as its model's records are: refused to a principal holding no role on it. */
export function assertMayReadRequest(principal: Principal, request: TransitionRequest): void {
  assertMayReadModel({ principal, model: request.model, what: `transition request ${request.id}` });
}

async function requestAndModel(
  tx: Repositories,
  input: {
    requestId: string;
    principal: Principal;
    lockModel?: boolean;
    modelOf?: string | undefined;
    lock?: boolean;
    check: (request: TransitionRequest) => void;
  },
): Promise<{ request: TransitionRequest; model: Model }> {
  if (input.lock === false) {
    const request = await loadRequest(tx, input.requestId);
    assertMayReadRequest(input.principal, request);
    input.check(request);
    return { request, model: await loadModel(tx, request.model) };
  }
  if (!input.lockModel) {
    // The model asked for by the request's id, with the request's own read (ADR 049): one round
    // trip, not two. Both are current: a write transaction holds the store's write lock from its
    // start, so nothing else writes between them. The model is only returned once the request
    // has passed its checks; a request that names another (never: a request keeps its model)
    // has its model read by name.
    const modelRead = startedEarly(tx.models.getOfRequest(input.requestId));
    const request = await loadOpenRequest(tx, input.requestId);
    assertMayReadRequest(input.principal, request);
    input.check(request);
    const model = await modelRead;
    if (model !== undefined && model.name === request.model) return { request, model };
    return { request, model: await loadModel(tx, request.model) };
  }
  if (input.modelOf !== undefined) {
    // Asked for together (ADR 049). Either row lock may be taken first: every write transaction
    // holds the store's write lock before any row's, so no two wait for each other's rows.
    const requestRead = startedEarly(loadOpenRequest(tx, input.requestId));
    const model = await loadModel(tx, input.modelOf, { forUpdate: true });
    const request = await requestRead;
    if (request.model === model.name) {
      input.check(request);
      return { request, model };
    }
  }
  const peek = await loadOpenRequest(tx, input.requestId);
  // A request never changes model: the peek's is the one to check, before its model is locked.
  // (The peek itself reads the request FOR UPDATE; every write transaction holds the store's
  // write lock first, so this request-then-model order cannot deadlock with model-then-request.)
  assertMayReadRequest(input.principal, peek);
  const model = await loadModel(tx, peek.model, { forUpdate: true });
  const request = await loadOpenRequest(tx, input.requestId);
  input.check(request);
  return { request, model };
}
