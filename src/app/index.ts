/** Use cases: the only way the edges (http, cli, jobs) change or read the registry. */

export type {
  AuditLogUseCases,
  SignedCheckpointView,
} from './audit-log/audit-log-use-cases.js';
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
  proveInclusion,
} from './audit-log/audit-proofs.js';
export {
  checkStateAsAuditor,
  checkStoredState,
  type StateCheck,
} from './audit-log/check-stored-state.js';
export { describeDisagreement, type StateDisagreement } from './audit-log/compare-audit-state.js';
export type { AuditExportSink, AuditExportSummary } from './audit-log/export-audit-log.js';
export { assertRotationReason, rotateAuditKey } from './audit-log/rotate-audit-key.js';
export {
  assertMaySign,
  type SignedCheckpointResult,
  signAuditCheckpoint,
} from './audit-log/sign-audit-checkpoint.js';
export { type StoredLogVerification, verifyStoredLog } from './audit-log/verify-stored-log.js';
export { buildEvidencePack, type EvidencePack } from './evidence-pack/evidence-pack.js';
export {
  type EvidencePackArchive,
  EvidencePackStall,
  type EvidencePackStream,
  evidencePackArchive,
  evidencePackArchiveFiles,
  evidencePackMediaType,
  evidencePackStream,
  readEvidencePackArchive,
} from './evidence-pack/evidence-pack-archive.js';
export type { EvidencePackUseCases } from './evidence-pack/evidence-pack-use-cases.js';
export {
  type EvidencePackVerification,
  type PinnedKey,
  verifyEvidencePack,
} from './evidence-pack/verify-evidence-pack.js';
export {
  describePhase,
  evaluateGateRun,
  failedGateRun,
  type GateRunPhase,
  type GateRunSpec,
  groupColumnsFor,
  type LoadedEvidence,
} from './gate-evaluation/evaluate-gate-run.js';
export {
  GateResultCache,
  type GateResultCacheLimits,
  gateRunKey,
} from './gate-evaluation/gate-result-cache.js';
export {
  type AccessDenialThrottle,
  accessDenialThrottle,
  flushAccessDenials,
  startAccessDenialFlush,
} from './identity/access-denials.js';
export { bootstrapAdmin } from './identity/bootstrap-admin.js';
export { type CreatedToken, type CreateTokenInput, createToken } from './identity/create-token.js';
export { type CreateUserInput, createUser } from './identity/create-user.js';
export { disableUser, enableUser } from './identity/disable-user.js';
export {
  grantRole,
  type RoleChangeInput,
  type RoleGrantResult,
  revokeRole,
} from './identity/grant-role.js';
export { hasUsers, listTokens, listUsers, type Me, whoAmI } from './identity/identity-queries.js';
export type { IdentityUseCases } from './identity/identity-use-cases.js';
export { revokeToken } from './identity/revoke-token.js';
export type {
  MlflowModelVersion as MlflowSourceVersion,
  MlflowRegisteredModel as MlflowSourceModel,
  MlflowSource,
} from './mlflow/import/mlflow-records.js';
export {
  getRegisteredModelResponse,
  searchModelVersionsResponse,
  searchRegisteredModelsResponse,
} from './mlflow/import/mlflow-records.js';
export {
  type ImportedObject,
  type MlflowImportSummary,
  runMlflowImport,
} from './mlflow/import/run-mlflow-import.js';
export {
  type MlflowModelVersion,
  type MlflowRegisteredModel,
  type MlflowStage,
  mlflowStages,
  parseStage,
} from './mlflow/mlflow-shapes.js';
export type { MlflowUseCases } from './mlflow/mlflow-use-cases.js';
export {
  type DeliveryReport,
  type NotificationHandlerOptions,
  notificationJobHandlers,
  notificationJobKinds,
} from './notifications/deliver-notifications.js';
export type { DeliveryLogEntry } from './notifications/delivery-log.js';
export type { NotificationUseCases } from './notifications/notification-use-cases.js';
export type {
  CreateWebhookInput,
  UpdateWebhookInput,
  WebhookSubscriptionView,
  WebhookWithSecret,
} from './notifications/webhook-subscriptions.js';
export {
  assertMayAttachEvidence,
  attachEvidence,
  type EvidenceFile,
} from './registry/attach-evidence.js';
export { type BlobCollection, collectBlobs } from './registry/collect-blobs.js';
export { importProduction } from './registry/import-production.js';
export {
  type ModelHistory,
  modelHistory,
  type ProductionPeriod,
} from './registry/model-history.js';
export {
  getModel,
  getServing,
  getVersion,
  listModels,
  listVersions,
  maxVersionPage,
  type VersionPage,
  versionPage,
} from './registry/queries.js';
export {
  type RegisterModelInput,
  registerModel,
  registerModelWithPolicy,
} from './registry/register-model.js';
export { registerPolicy } from './registry/register-policy.js';
export { type RegisterVersionInput, registerVersion } from './registry/register-version.js';
export { type RegistryMetrics, registryMetrics } from './registry/registry-metrics.js';
export type { RegistryUseCases } from './registry/registry-use-cases.js';
export { setModelPolicy } from './registry/set-model-policy.js';
export {
  assertWithinUploadQuota,
  type UploadQuota,
  uploadChargePerFile,
} from './registry/upload-quota.js';
export { type BacktestReport, backtestPolicy, parseSince } from './replay/backtest-policy.js';
export { type GateSummary, type ReplayReport, replayDecision } from './replay/replay-decision.js';
export type { BacktestInput, ReplayUseCases } from './replay/replay-use-cases.js';
export { type EscalationOutcome, escalateReviews } from './reviews/escalate-reviews.js';
export { listReviews, type ReviewFilter, type ReviewItem } from './reviews/list-reviews.js';
export { type OverdueReview, overdueReviews } from './reviews/overdue-reviews.js';
export { type ReviewInput, type ReviewResult, recordReview } from './reviews/record-review.js';
export { controlRollout, type RolloutActionInput } from './rollouts/control-rollout.js';
export { evaluateRollouts, type SweepOutcome } from './rollouts/evaluate-rollouts.js';
export {
  type IngestInput,
  type IngestResult,
  ingestObservations,
} from './rollouts/ingest-observations.js';
export {
  maxBatchPoints,
  maxBatchValues,
  type ObservationInput,
} from './rollouts/observation-batch.js';
export { getRollout, listRollouts } from './rollouts/rollout-queries.js';
export type { RolloutUseCases } from './rollouts/rollout-use-cases.js';
export type { RolloutTriggerView, RolloutView } from './rollouts/rollout-view.js';
export {
  type ScheduledJobKind,
  type ScheduledJobOptions,
  scheduledJobHandlers,
  scheduledJobKinds,
} from './scheduled-work/scheduled-jobs.js';
export type { AppDeps, MlflowSettings } from './shared/app-deps.js';
export { guarded } from './shared/authorise.js';
export {
  IdempotencyCache,
  type IdempotencyCacheOptions,
  type IdempotencyLookup,
  type StoredResponse,
} from './shared/idempotency-cache.js';
export {
  type ClaimScope,
  IdempotencyKeyTaken,
} from './shared/idempotency-claims.js';
export {
  type IdempotencyStore,
  type IdempotentRequest,
  idempotencyTtlMs,
  inProcessIdempotency,
  sharedIdempotency,
} from './shared/idempotency-store.js';
export type {
  KpiPull,
  KpiPullProblem,
  KpiPullRequest,
  KpiSource,
} from './shared/kpi-source-port.js';
export { LineageReadings } from './shared/lineage-readings.js';
export type * from './shared/notification-ports.js';
export type * from './shared/ports.js';
export { type HotReads, hotReads, type ReadCache, readCache } from './shared/read-cache.js';
export { approximateBytes, type WeighedLruLimits, weighedLru } from './shared/weighed-lru.js';
export type * from './shared/work-queue-ports.js';
export { cancelRequest } from './transitions/cancel-request.js';
export type { EmergencyReviewState, ReviewSignature } from './transitions/emergency-status.js';
export { type ExecuteResult, executeTransition } from './transitions/execute-transition.js';
export { type ExpiryOutcome, expireEmergencies } from './transitions/expire-emergencies.js';
export { expireRequests, type RequestExpiryOutcome } from './transitions/expire-requests.js';
export {
  type ApprovalInput,
  type ApprovalResult,
  recordApproval,
} from './transitions/record-approval.js';
export {
  getDecision,
  getRequest,
  type InboxItem,
  listInbox,
  type RequestFilter,
  type RequestView,
} from './transitions/request-queries.js';
export {
  type RequestTransitionInput,
  type RequestTransitionResult,
  requestTransition,
} from './transitions/request-transition.js';
export { rollback } from './transitions/rollback.js';
export type { TransitionUseCases } from './transitions/transition-use-cases.js';
export {
  bindClaimingUseCases,
  bindUseCases,
  type ClaimingUseCases,
  type UseCases,
} from './use-cases.js';
