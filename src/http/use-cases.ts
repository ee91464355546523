/**
 * What the routes call: the app's use cases with their deps bound (see `bindUseCases`), so the
 * HTTP layer can be tested against the real use cases on an in-memory store, or against a stub.
 * Every method throws ClearanceError refusals (`forbidden`, `not_found`, …) itself.
 */
import type { RegistryMetrics, ReplayReport } from '../app/index.js';
import type { ApprovalEvaluation } from '../domain/approval-rules.js';
import type {
  Approval,
  ApprovalDecision,
  ChangeType,
  DecisionRecord,
  EvidenceRecord,
  Lineage,
  Model,
  PolicyRecord,
  Principal,
  RiskClass,
  ServingView,
  TransitionRequest,
  VersionView,
} from '../domain/index.js';
import type { AuditUseCases } from './audit-use-cases.js';
import type { IdentityUseCases } from './identity-use-cases.js';
import type { PackUseCases } from './pack-use-cases.js';

export interface RegisterModelBody {
  name: string;
  ownerTeam: string;
  description?: string;
  /** The policy YAML; registered (idempotently) and put in force for the model. */
  policy: string;
}

export interface RegisterVersionBody {
  version: string;
  artifactUri: string;
  artifactDigest: string;
  lineage: Lineage;
}

export interface RequestTransitionBody {
  model: string;
  version: string;
  to: string;
  changeType?: ChangeType;
  reason: string;
  ticket?: string;
}

export interface ApprovalBody {
  requestId: string;
  decision: ApprovalDecision;
  /** The role the approver signs in. */
  role: string;
  comment: string;
  ticket?: string;
  riskClass: RiskClass;
}

export interface RequestDetail {
  request: TransitionRequest;
  approvals: Approval[];
  /** Approvals counted against the evidence and policy in force now. */
  status: ApprovalEvaluation;
}

export interface InboxItem {
  request: TransitionRequest;
  /** The roles the caller could sign in. */
  roles: string[];
}

/** What replaying a decision found (the app's report). */
export type ReplayOutcome = ReplayReport;

export interface RequestOutcome {
  request: TransitionRequest;
  decision: DecisionRecord;
}

export interface ApprovalOutcome {
  approval: Approval;
  request: TransitionRequest;
  /** How the approvals count now (satisfied, missing roles, ignored approvals and why). */
  approvals: ApprovalEvaluation;
}

export interface ExecuteOutcome extends RequestOutcome {
  /** The version demoted from production, if any. */
  demoted?: string;
}

export interface UseCases extends AuditUseCases, IdentityUseCases, PackUseCases {
  registerPolicy(
    principal: Principal,
    input: { text: string; file?: string },
  ): Promise<PolicyRecord>;
  registerModel(principal: Principal, input: RegisterModelBody): Promise<Model>;
  listModels(principal: Principal): Promise<Model[]>;
  getModel(principal: Principal, name: string): Promise<Model>;
  registerVersion(
    principal: Principal,
    input: RegisterVersionBody & { model: string },
  ): Promise<VersionView>;
  listVersions(principal: Principal, model: string): Promise<VersionView[]>;
  /** Refuses unless the principal may attach evidence to the version; called before the body is read. */
  mayAttachEvidence(
    principal: Principal,
    input: { model: string; version: string; paths?: string[]; bytes?: number },
  ): Promise<void>;
  attachEvidence(
    principal: Principal,
    input: { model: string; version: string; path: string; bytes: Uint8Array; mediaType?: string },
  ): Promise<EvidenceRecord[]>;
  requestTransition(principal: Principal, input: RequestTransitionBody): Promise<RequestOutcome>;
  getRequest(principal: Principal, id: string): Promise<RequestDetail>;
  recordApproval(principal: Principal, input: ApprovalBody): Promise<ApprovalOutcome>;
  cancelRequest(
    principal: Principal,
    input: { requestId: string; reason: string },
  ): Promise<TransitionRequest>;
  executeTransition(principal: Principal, input: { requestId: string }): Promise<ExecuteOutcome>;
  importProduction(
    principal: Principal,
    input: { model: string; version: string; reason: string; ticket?: string },
  ): Promise<{ model: string; version: string; since: string }>;
  rollback(
    principal: Principal,
    input: { model: string; reason: string; ticket?: string },
  ): Promise<{ from?: string; to?: string }>;
  serving(principal: Principal, model: string): Promise<ServingView>;
  /** Pending requests the principal could approve. */
  inbox(principal: Principal): Promise<InboxItem[]>;
  /** The registry snapshot Prometheus scrapes; for anyone holding a role. */
  registryMetrics(principal: Principal): Promise<RegistryMetrics>;
  getDecision(principal: Principal, id: string): Promise<DecisionRecord>;
  replayDecision(principal: Principal, id: string): Promise<ReplayOutcome>;
}
