/**
 * What the CLI's commands ask of a registry, whichever way it is reached: the database opened
 * directly as the operator (local-registry.ts) or a server's API as the token's user
 * (remote-registry.ts). Each command is written once against this; select-registry.ts picks the
 * implementation from the flags. Refusals are ClearanceErrors either way, so exit codes agree.
 */
import type {
  ApprovalInput,
  AuditExportSummary,
  BacktestReport,
  CheckpointView,
  CreatedToken,
  CreateWebhookInput,
  Delivery,
  DeliveryLogEntry,
  EvidencePack,
  ExecuteResult,
  InboxItem,
  InclusionProofView,
  IngestInput,
  IngestResult,
  ModelHistory,
  RegisterModelInput,
  RegisterVersionInput,
  RequestFilter,
  RequestTransitionInput,
  RequestView,
  ReviewFilter,
  ReviewItem,
  ReviewResult,
  RolloutActionInput,
  RolloutView,
  StateCheck,
  StoredLogVerification,
  UpdateWebhookInput,
  WebhookSubscriptionView,
  WebhookWithSecret,
} from '../../app/index.js';
import type { LogVerification } from '../../audit/index.js';
import type {
  ApiTokenView,
  Approval,
  ApprovalDecision,
  DecisionRecord,
  EvidenceRecord,
  Model,
  ServingView,
  TransitionRequest,
  User,
  VersionView,
} from '../../domain/index.js';
import type { Progress } from '../progress.js';

/** The log as the server served it, verified here with the pure verifier. */
export interface ServedLogVerification {
  server: string;
  origin: string;
  verifierKeys: string[];
  keysPinned: boolean;
  checkpoints: number;
  /** The newest checkpoint note, when the log verified: keep it for the next `--since`. */
  newestCheckpoint?: string;
  result: LogVerification;
}

export type AuditLogVerification =
  | { where: 'database'; report: StoredLogVerification }
  | { where: 'server'; report: ServedLogVerification };

/** What an export wrote: the app's summary, for a server's log as for the database's. */
export type AuditExport = AuditExportSummary;

export interface RegistryModels {
  registerModel(input: RegisterModelInput): Promise<Model>;
  listModels(): Promise<Model[]>;
  serving(model: string): Promise<ServingView>;
  history(input: { model: string; at?: string }): Promise<ModelHistory>;
  registerVersion(input: RegisterVersionInput): Promise<VersionView>;
  listVersions(model: string): Promise<VersionView[]>;
  version(input: { model: string; version: string }): Promise<VersionView>;
  listEvidence(input: { model: string; version: string }): Promise<EvidenceRecord[]>;
  importProduction(input: {
    model: string;
    version: string;
    reason: string;
    ticket?: string;
  }): Promise<{ since: string }>;
  attachEvidence(input: {
    model: string;
    version: string;
    path: string;
    bytes: Uint8Array;
  }): Promise<unknown>;
}

export interface RegistryTransitions {
  requestTransition(
    input: RequestTransitionInput,
  ): Promise<{ request: TransitionRequest; decision: DecisionRecord }>;
  recordApproval(input: ApprovalInput): Promise<{ approval: Approval; request: TransitionRequest }>;
  executeTransition(requestId: string): Promise<ExecuteResult>;
  cancelRequest(input: { requestId: string; reason: string }): Promise<TransitionRequest>;
  rollback(input: {
    model: string;
    reason: string;
    ticket?: string;
  }): Promise<{ from?: string; to?: string }>;
  inbox(): Promise<InboxItem[]>;
  listRequests(filter: RequestFilter): Promise<TransitionRequest[]>;
  /** A request with its approvals, counted as execution would count them now. */
  request(id: string): Promise<RequestView>;
  decision(id: string): Promise<DecisionRecord>;
  replayDecision(decisionId: string): Promise<{ reproduced: boolean; differences: string[] }>;
  backtest(input: {
    policyText: string;
    policyFile: string;
    model?: string;
    since?: Date;
  }): Promise<BacktestReport>;
}

export interface RegistryReviews {
  /** A post-incident review sign-off on an executed emergency change. */
  recordReview(input: {
    requestId: string;
    decision: ApprovalDecision;
    role: string;
    comment: string;
    ticket?: string;
  }): Promise<ReviewResult>;
  listReviews(status: ReviewFilter): Promise<ReviewItem[]>;
}

export interface RegistryRollouts {
  getRollout(id: string): Promise<RolloutView>;
  listRollouts(filter: { status?: RolloutView['status']; model?: string }): Promise<RolloutView[]>;
  /** Posts a KPI batch (idempotent per batch id); the rollout is evaluated at once. */
  postObservations(input: IngestInput): Promise<IngestResult>;
  controlRollout(input: RolloutActionInput): Promise<RolloutView>;
}

export interface RegistryAudit {
  verifyAuditLog(input: {
    keys: string[];
    origin?: string;
    since?: string;
    progress: Progress;
  }): Promise<AuditLogVerification>;
  auditState(): Promise<StateCheck>;
  inclusionProof(input: { seq: number; size?: number }): Promise<InclusionProofView>;
  /** Every signed checkpoint note, oldest first. */
  checkpointNotes(): Promise<string[]>;
  signCheckpoint(): Promise<{ signed: boolean; checkpoint: CheckpointView }>;
  /** Writes a clearance-audit-export/v1 file of the log and its signed checkpoints. */
  exportAuditLog(file: string): Promise<AuditExport>;
  /** The pack, and the archive as received when it came over the wire (checked already). */
  evidencePack(input: {
    model: string;
    version: string;
  }): Promise<{ pack: EvidencePack; archive?: Uint8Array }>;
}

export interface RegistryIdentity {
  createUser(input: { id: string; displayName?: string; team?: string }): Promise<User>;
  changeRole(input: {
    change: 'grant' | 'revoke';
    userId: string;
    role: string;
    model?: string;
  }): Promise<void>;
  createToken(input: {
    userId: string;
    description?: string;
    expiresAt?: string;
  }): Promise<CreatedToken>;
  revokeToken(id: string): Promise<ApiTokenView>;
  /** Disables the user's account (or enables it again); answers the user as it now is. */
  setUserDisabled(input: { userId: string; disabled: boolean }): Promise<User>;
}

/** Webhook subscriptions (admin) and people's notification addresses. */
export interface RegistryNotifications {
  createWebhook(input: CreateWebhookInput): Promise<WebhookWithSecret>;
  listWebhooks(): Promise<WebhookSubscriptionView[]>;
  getWebhook(id: string): Promise<WebhookSubscriptionView>;
  updateWebhook(input: UpdateWebhookInput): Promise<WebhookSubscriptionView>;
  rotateWebhookSecret(id: string): Promise<WebhookWithSecret>;
  disableWebhook(id: string): Promise<WebhookSubscriptionView>;
  deleteWebhook(id: string): Promise<void>;
  webhookDeliveries(input: { id: string; limit?: number }): Promise<DeliveryLogEntry[]>;
  redeliverWebhook(input: { id: string; eventId: string }): Promise<Delivery>;
  setUserEmail(input: { id: string; email: string | undefined }): Promise<User>;
}

export interface CliRegistry
  extends RegistryModels,
    RegistryNotifications,
    RegistryTransitions,
    RegistryReviews,
    RegistryRollouts,
    RegistryAudit,
    RegistryIdentity {
  /** The server's URL when going through the API; undefined on the database. */
  readonly server: string | undefined;
  close(): Promise<void>;
}
