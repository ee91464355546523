/** Use cases: the only way the edges (http, cli, jobs) change or read the registry. */
export {
  type AccessDenialThrottle,
  accessDenialThrottle,
  flushAccessDenials,
  startAccessDenialFlush,
} from './access-denials.js';
export type { AppDeps } from './app-deps.js';
export { assertMayAttachEvidence, attachEvidence, type EvidenceFile } from './attach-evidence.js';
export {
  type AuditEntriesPage,
  type AuditLogIdentity,
  assertAuditReader,
  type CheckpointView,
  type ConsistencyProofView,
  checkpointView,
  consistencyProofBetween,
  type InclusionProofView,
  inclusionProofFor,
  latestCheckpoint,
  listAuditEntries,
  listCheckpoints,
} from './audit-proofs.js';
export { guarded } from './authorise.js';
export { type BacktestReport, backtestPolicy, parseSince } from './backtest-policy.js';
export { bootstrapAdmin } from './bootstrap-admin.js';
export { cancelRequest } from './cancel-request.js';
export { checkStateAsAuditor, checkStoredState, type StateCheck } from './check-stored-state.js';
export { type BlobCollection, collectBlobs } from './collect-blobs.js';
export { describeDisagreement, type StateDisagreement } from './compare-audit-state.js';
export { type CreatedToken, type CreateTokenInput, createToken } from './create-token.js';
export { type CreateUserInput, createUser } from './create-user.js';
export {
  describePhase,
  evaluateGateRun,
  failedGateRun,
  type GateRunPhase,
  type GateRunSpec,
  groupColumnsFor,
  type LoadedEvidence,
} from './evaluate-gate-run.js';
export { buildEvidencePack, type EvidencePack } from './evidence-pack.js';
export {
  type EvidencePackArchive,
  type EvidencePackStream,
  evidencePackArchive,
  evidencePackMediaType,
  evidencePackStream,
  readEvidencePackArchive,
} from './evidence-pack-archive.js';
export { type ExecuteResult, executeTransition } from './execute-transition.js';
export { type ExpiryOutcome, expireEmergencies } from './expire-emergencies.js';
export { grantRole, type RoleChangeInput, revokeRole } from './grant-role.js';
export { hasUsers, listTokens, listUsers, whoAmI } from './identity-queries.js';
export { importProduction } from './import-production.js';
export { type ModelHistory, modelHistory, type ProductionPeriod } from './model-history.js';
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
export { guardedRead } from './read-access.js';
export { type ApprovalInput, recordApproval } from './record-approval.js';
export { recordReview } from './record-review.js';
export { registerModel, registerModelWithPolicy } from './register-model.js';
export { registerPolicy } from './register-policy.js';
export { registerVersion } from './register-version.js';
export { type RegistryMetrics, registryMetrics } from './registry-metrics.js';
export { repeatEvery } from './repeat-every.js';
export { type GateSummary, type ReplayReport, replayDecision } from './replay-decision.js';
export { type RequestTransitionInput, requestTransition } from './request-transition.js';
export { revokeToken } from './revoke-token.js';
export { rollback } from './rollback.js';
export { assertRotationReason, rotateAuditKey } from './rotate-audit-key.js';
export { setModelPolicy } from './set-model-policy.js';
export {
  assertMaySign,
  type SignedCheckpointResult,
  signAuditCheckpoint,
} from './sign-audit-checkpoint.js';
export {
  type CheckpointScheduleOptions,
  startCheckpointSchedule,
} from './start-checkpoint-schedule.js';
export {
  type StateCheckSchedule,
  type StateCheckScheduleOptions,
  startStateCheckSchedule,
} from './start-state-check-schedule.js';
export { assertWithinUploadQuota, type UploadQuota } from './upload-quota.js';
export { type StoredLogVerification, verifyStoredLog } from './verify-stored-log.js';
