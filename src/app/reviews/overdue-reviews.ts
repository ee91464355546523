import type { AppDeps } from '../shared/app-deps.js';
import { loadPolicy } from '../shared/load-policy.js';
import { reviewStatus } from '../transitions/emergency-status.js';

export interface OverdueReview {
  requestId: string;
  model: string;
  version: string;
  reviewDueAt: string;
  missing: { role: string; needed: number }[];
}

/** Emergency changes whose post-incident review is past due and not complete, for escalation. */
export async function overdueReviews(
  deps: AppDeps,
  input: { now?: Date } = {},
): Promise<OverdueReview[]> {
  const now = input.now ?? deps.clock.now();
  return deps.store.read(async (tx) => {
    const requests = await tx.requests.list({ status: ['executed', 'expired'] });
    const overdue: OverdueReview[] = [];
    for (const request of requests) {
      if (request.changeType !== 'emergency' || request.reviewDueAt === undefined) continue;
      if (Date.parse(request.reviewDueAt) > now.getTime()) continue;
      const version = await tx.versions.get(request.model, request.version);
      if (!version) continue;
      const policy = await loadPolicy(tx, request.policyDigest);
      const review = await reviewStatus(tx, { policy, request, version, now });
      if (review.satisfied) continue;
      overdue.push({
        requestId: request.id,
        model: request.model,
        version: request.version,
        reviewDueAt: request.reviewDueAt,
        missing: review.missing,
      });
    }
    return overdue;
  });
}
