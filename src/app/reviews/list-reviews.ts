import { invalidInput, type Principal } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { loadPolicy } from '../shared/load-policy.js';
import { canReadModel, guardedRead } from '../shared/read-access.js';
import {
  type EmergencyReviewState,
  emergencyReviewState,
  hasReview,
} from '../transitions/emergency-status.js';

export type ReviewFilter = 'due' | 'overdue' | 'rejected' | 'all';
const filters: readonly ReviewFilter[] = ['due', 'overdue', 'rejected', 'all'];

export interface ReviewItem extends EmergencyReviewState {
  requestId: string;
  model: string;
  version: string;
  requestedBy: string;
  missing: { role: string; needed: number }[];
}

/**
 * Post-incident reviews of executed emergency changes: `due` (pending, overdue or not),
 * `overdue` (past due, pending), `rejected` (a reviewer rejected the change: ADR 013) or `all`. Readable by anyone holding a role; each item only
 * to those holding a role on its model, as a request's details are.
 */
export async function listReviews(
  deps: AppDeps,
  principal: Principal,
  input: { status?: ReviewFilter },
): Promise<ReviewItem[]> {
  const status = input.status ?? 'due';
  if (!filters.includes(status))
    throw invalidInput(
      `Review status "${status}" is unknown.`,
      'Use due, overdue, rejected or all.',
    );
  const read = {
    principal,
    action: 'review.list',
    subject: { type: 'reviews', id: status },
    what: 'post-incident reviews',
  };
  return guardedRead(deps, read, () =>
    deps.store.read(async (tx) => {
      const now = deps.clock.now();
      const requests = await tx.requests.list({ status: ['executed', 'expired'] });
      const items: ReviewItem[] = [];
      for (const request of requests) {
        if (!hasReview(request)) continue;
        if (!canReadModel(principal, request.model)) continue;
        const policy = await loadPolicy(tx, request.policyDigest);
        const { evaluation, state } = await emergencyReviewState(tx, { request, policy, now });
        if (status === 'due' && state.reviewComplete) continue;
        if (status === 'overdue' && !state.reviewOverdue) continue;
        if (status === 'rejected' && state.reviewOutcome !== 'rejected') continue;
        items.push({
          requestId: request.id,
          model: request.model,
          version: request.version,
          requestedBy: request.requestedBy,
          missing: evaluation.missing,
          ...state,
        });
      }
      return items;
    }),
  );
}
