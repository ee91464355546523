/**
 * Request expiry: the `requests.expire` job closes every open request (pending or approved)
 * older than its policy's `requests.expireAfter` (default 14 days) as `expired`, with its
 * `transition.expired` audit entry and event in one transaction under the model's and the
 * request's row locks, so a second run, a retried job or another server finds it closed and does
 * nothing.
 */
import {
  isRequestExpired,
  openRequestStatuses,
  requestLifetimeText,
  type TransitionRequest,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord, systemActor } from '../shared/audit-record.js';
import { emit, requestSubject, requestSummary } from '../shared/emit-event.js';
import { loadModel, loadPolicy } from '../shared/load-policy.js';
import type { Repositories } from '../shared/ports.js';
import { lapseReason } from './request-lifetime.js';

export interface RequestExpiryOutcome {
  requestId: string;
  previousStatus: 'pending' | 'approved';
}

const actor = systemActor('expire-requests');

/**
 * Expires each open request whose lifetime under its model's policy in force has ended by `now`
 * (the policy approvals and execution judge it by). Each in its own transaction, so one failure
 * does not hold up the others.
 */
export async function expireRequests(
  deps: AppDeps,
  input: { now?: Date } = {},
): Promise<RequestExpiryOutcome[]> {
  const now = input.now ?? deps.clock.now();
  const due = await deps.store.read(async (tx) => {
    const found: TransitionRequest[] = [];
    for (const request of await tx.requests.list({ status: [...openRequestStatuses] })) {
      const model = await loadModel(tx, request.model);
      const policy = await loadPolicy(tx, model.policyDigest);
      if (isRequestExpired({ policy, request, now })) found.push(request);
    }
    return found;
  });
  const outcomes: RequestExpiryOutcome[] = [];
  for (const request of due) {
    const outcome = await deps.store.transaction((tx) => expireOne(deps, tx, request, now));
    if (outcome !== undefined) outcomes.push(outcome);
  }
  return outcomes;
}

async function expireOne(
  deps: AppDeps,
  tx: Repositories,
  stale: TransitionRequest,
  now: Date,
): Promise<RequestExpiryOutcome | undefined> {
  // Model row first, then the request: the order every request writer locks in.
  const model = await loadModel(tx, stale.model, { forUpdate: true });
  const request = await tx.requests.get(stale.id, { forUpdate: true });
  if (!request) return undefined;
  const policy = await loadPolicy(tx, model.policyDigest);
  // Decided, cancelled or expired since the list was read (another server, a retried job).
  if (!isRequestExpired({ policy, request, now })) return undefined;
  const previousStatus = request.status as RequestExpiryOutcome['previousStatus'];
  const at = now.toISOString();
  const reason = lapseReason(policy, request);
  const expired: TransitionRequest = {
    ...request,
    status: 'expired',
    closedAt: at,
    closedBy: actor.id,
    closeReason: reason,
  };
  await tx.requests.update(expired);
  await tx.audit.append(
    auditRecord({
      actor,
      time: at,
      action: 'transition.expired',
      subject: { type: 'request', id: request.id },
      reason: `Request ${request.id}: ${reason}.`,
      ticket: request.ticket,
      digests: { evidence: request.evidenceDigest, policy: model.policyDigest },
      data: {
        model: request.model,
        version: request.version,
        previousStatus,
        lifetime: requestLifetimeText(policy),
      },
    }),
  );
  await emit(tx, deps, {
    type: 'transition.expired',
    at,
    subject: requestSubject(expired),
    data: {
      request: requestSummary(expired),
      previousStatus,
      expiredAt: at,
      lifetime: requestLifetimeText(policy),
    },
  });
  return { requestId: request.id, previousStatus };
}
