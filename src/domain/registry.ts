/**
 * The registry's records. Dates are RFC 3339 UTC strings with milliseconds, so records are plain
 * JSON, hash the same on every engine, and replay from the audit log without conversion.
 */
import type { EvidenceItem, Lineage } from './evidence.js';
import type { GateResult } from './gate-result.js';
import type { ApprovalRequirement, RiskTier } from './policy.js';

export type ActorKind = 'user' | 'token' | 'system';

/** Who did something. `id` is a user name, a token id, or `system:<job>`. */
export interface Actor {
  id: string;
  kind: ActorKind;
}

/** A role held globally (`model` absent) or for one model. */
export interface RoleBinding {
  role: string;
  model?: string;
}

/** An authenticated caller and the roles it holds. */
export interface Principal extends Actor {
  roles: RoleBinding[];
}

/** Roles the service itself knows; policies may add their own (e.g. `fraud_ops_lead`). */
export const builtInRoles = [
  'admin',
  'auditor',
  'model_owner',
  'tech_lead',
  'product_owner',
  'risk_officer',
  'compliance_officer',
  'senior_clinician',
  'mlops',
  'break_glass',
] as const;

export interface Model {
  /** `[a-z0-9][a-z0-9._-]{0,99}` */
  name: string;
  ownerTeam: string;
  riskTier: RiskTier;
  /** The policy in force (its digest); every version of the policy is kept. */
  policyDigest: string;
  description?: string;
  createdAt: string;
  createdBy: string;
}

/** Immutable once registered; its state lives apart (see VersionState). */
export interface Version {
  model: string;
  version: string;
  artifactUri: string;
  /** `sha256:<hex>` of the model artifact. */
  artifactDigest: string;
  lineage: Lineage;
  createdAt: string;
  createdBy: string;
}

export interface VersionState {
  model: string;
  version: string;
  state: string;
  /** The request that put it there (absent for the initial draft state). */
  requestId?: string;
  since: string;
}

/** A version with its current state, as read models return it. */
export interface VersionView extends Version {
  state: string;
  stateSince: string;
}

export interface EvidenceRecord extends EvidenceItem {
  model: string;
  version: string;
  mediaType: string;
  attachedAt: string;
  attachedBy: string;
}

export interface PolicyRecord {
  digest: string;
  name: string;
  /** The YAML as submitted; the digest is over its normalised form. */
  text: string;
  registeredAt: string;
  registeredBy: string;
}

export const changeTypes = ['standard', 'emergency', 'experiment'] as const;
export type ChangeType = (typeof changeTypes)[number];

export const requestStatuses = [
  'pending',
  'approved',
  'executed',
  'rejected',
  'cancelled',
  'expired',
] as const;
export type RequestStatus = (typeof requestStatuses)[number];

export interface TransitionRequest {
  id: string;
  model: string;
  version: string;
  from: string;
  to: string;
  changeType: ChangeType;
  reason: string;
  ticket?: string;
  requestedBy: string;
  requestedAt: string;
  status: RequestStatus;
  /** Policy and evidence as of the latest gate evaluation; approvals must match both. */
  policyDigest: string;
  evidenceDigest: string;
  /** The latest gate decision for this request. */
  decisionId?: string;
  closedAt?: string;
  closedBy?: string;
  closeReason?: string;
  /** Emergency changes: when the bypass ends, and when the post-incident review is due. */
  bypassExpiresAt?: string;
  reviewDueAt?: string;
}

export const approvalDecisions = ['approve', 'reject'] as const;
export type ApprovalDecision = (typeof approvalDecisions)[number];
export const riskClasses = ['low', 'medium', 'high'] as const;
export type RiskClass = (typeof riskClasses)[number];

export interface Approval {
  id: string;
  requestId: string;
  approver: string;
  role: string;
  decision: ApprovalDecision;
  comment: string;
  ticket?: string;
  riskClass: RiskClass;
  /** What the approver saw: the approval stops counting if either changes. */
  evidenceDigest: string;
  policyDigest: string;
  /**
   * The evidence digest of the baseline (production) version the gates compared with, or null
   * when the transition reads no baseline or there was none. Absent on approvals stored before
   * migration 0007: they never count again (ADR 007).
   */
  baselineDigest?: string | null;
  at: string;
}

/** A gate evaluation of a request, or the decision of its execution. */
export const decisionKinds = ['gates', 'transition'] as const;
export const decisionOutcomes = ['allowed', 'denied'] as const;

/**
 * Everything a decision was made on, so `replay` can recompute it from stored evidence and policy
 * alone. Inputs not derived from evidence (the clock, the approvals counted) are recorded too.
 */
export interface DecisionRecord {
  id: string;
  kind: (typeof decisionKinds)[number];
  requestId?: string;
  model: string;
  version: string;
  from: string;
  to: string;
  changeType: ChangeType;
  policyDigest: string;
  evidenceDigest: string;
  evidence: EvidenceItem[];
  baseline?: { version: string; evidenceDigest: string; evidence: EvidenceItem[] };
  bypass: string[];
  approvalsCounted: Approval[];
  /**
   * For an emergency's transition decision: the sign-offs it demanded (ADR 011) — roles with
   * counts, or (`anyOne`) one approval in any of them. Absent on emergencies decided before
   * sign-offs were required, which replay judges on their gates alone.
   */
  signOff?: { approvals: ApprovalRequirement[]; anyOne: boolean };
  gates: GateResult[];
  outcome: (typeof decisionOutcomes)[number];
  reasons: string[];
  at: string;
}

/** The hot read for serving systems. */
export interface ServingView {
  model: string;
  production?: { version: string; since: string };
  canary?: { version: string; traffic: number; since: string };
  /** The version a rollback restores. */
  rollbackTarget?: { version: string };
}
