/** Post-incident reviews of emergency changes as the edges call them: sign off, list. */
import type { Principal } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { listReviews, type ReviewFilter, type ReviewItem } from './list-reviews.js';
import { type ReviewInput, type ReviewResult, recordReview } from './record-review.js';

export interface ReviewUseCases {
  /** A review sign-off (approve or reject, with findings) on an executed emergency change. */
  recordReview(principal: Principal, input: ReviewInput): Promise<ReviewResult>;
  listReviews(principal: Principal, input: { status?: ReviewFilter }): Promise<ReviewItem[]>;
}

export function bindReviewUseCases(deps: AppDeps): ReviewUseCases {
  return {
    recordReview: (principal, input) => recordReview(deps, principal, input),
    listReviews: (principal, input) => listReviews(deps, principal, input),
  };
}
