/** Use cases: the only way the edges (http, cli, jobs) change or read the registry. */
export type { AppDeps } from './app-deps.js';
export { attachEvidence, type EvidenceFile } from './attach-evidence.js';
export { cancelRequest } from './cancel-request.js';
export { type ExecuteResult, executeTransition } from './execute-transition.js';
export { type ExpiryOutcome, expireEmergencies } from './expire-emergencies.js';
export { type OverdueReview, overdueReviews } from './overdue-reviews.js';
export type * from './ports.js';
export {
  getModel,
  getRequest,
  getServing,
  getVersion,
  listInbox,
  type RequestView,
} from './queries.js';
export { type ApprovalInput, recordApproval } from './record-approval.js';
export { recordReview } from './record-review.js';
export { registerModel } from './register-model.js';
export { registerPolicy } from './register-policy.js';
export { registerVersion } from './register-version.js';
export { type GateSummary, type ReplayReport, replayDecision } from './replay-decision.js';
export { type RequestTransitionInput, requestTransition } from './request-transition.js';
export { rollback } from './rollback.js';
export { setModelPolicy } from './set-model-policy.js';
