/**
 * Which sign-offs count for a transition request. Pure: the caller passes the clock, so the same
 * inputs always give the same answer and a decision can be replayed.
 */
import { parseDuration } from './duration.js';
import type { ApprovalRequirement, SeparationOfDuties, TransitionPolicy } from './policy.js';
import type { Approval, TransitionRequest, Version } from './registry.js';

/** The parts of a transition (or a post-incident review) that govern its approvals. */
export type ApprovalRules = Pick<TransitionPolicy, 'approvals' | 'separationOfDuties'> & {
  approvalExpiresAfter?: string;
  /**
   * One approval in any of the listed roles suffices (an emergency's default sign-off); the
   * counts are ignored and a missing sign-off is reported as "a or b".
   */
  anyOne?: boolean;
};

/**
 * The version as separation of duties sees it: its registrar, the lineage typed at registration,
 * and the `trainedBy` of every lineage file in its evidence (`'unreadable'` when one cannot be
 * read, so the trainer rule cannot be checked).
 */
export type VersionFacts = Pick<Version, 'createdBy' | 'lineage'> & {
  evidenceTrainers?: readonly string[] | 'unreadable';
};

/**
 * Facts of the moment an execution re-checks (ADR 007). Replay and backtest re-count approvals a
 * decision already counted, under the facts of that decision, and leave them out.
 */
export interface CurrentFacts {
  /** The baseline evidence digest the gates compare with now (null: none); approvals must match. */
  baselineDigest: string | null;
  /** Whether the approver holds the role (for this model) now. */
  holdsRole: (approver: string, role: string) => boolean;
}

export interface ApprovalEvaluationInput {
  transition: ApprovalRules;
  request: Pick<TransitionRequest, 'requestedBy' | 'evidenceDigest' | 'policyDigest'>;
  approvals: readonly Approval[];
  version: VersionFacts;
  now: Date;
  /**
   * Ids of the approvals whose `approval.recorded` audit entry matches them. When given, any other
   * approval (a row written behind the service's back, or edited since) does not count.
   */
  audited?: ReadonlySet<string>;
  current?: CurrentFacts;
}

/** Why an approval does not count (`describeIgnored` words each). */
export const ignoredWhys = [
  'no_audit_entry',
  'role_not_required',
  'evidence_changed',
  'policy_changed',
  'baseline_changed',
  'baseline_unbound',
  'expired',
  'role_revoked',
  'requester',
  'creator',
  'trainer',
  'trainer_unknown',
  'second_role',
  'duplicate',
  'role_already_filled',
] as const;
export type IgnoredWhy = (typeof ignoredWhys)[number];

export interface ApprovalEvaluation {
  satisfied: boolean;
  counted: Approval[];
  ignored: { approval: Approval; why: IgnoredWhy }[];
  missing: { role: string; needed: number }[];
  /** Distinct people among the counted approvals, and how many the two-person rule needs. */
  distinctApprovers: number;
  minDistinctApprovers: number;
  rejection?: Approval;
}

/**
 * Why `person` may not sign off in `role` at all (separation of duties), or undefined when they
 * may. Checked before an approval is recorded, and again when approvals are counted.
 */
export function separationOfDutiesViolation(input: {
  duties: SeparationOfDuties;
  person: string;
  requestedBy: string;
  version: VersionFacts;
}): SeparationOfDutiesViolation | undefined {
  const { duties, person, requestedBy, version } = input;
  if (!duties.requesterMayApprove && person === requestedBy) return 'requester';
  if (duties.creatorMayApprove) return undefined;
  if (person === version.createdBy) return 'creator';
  if (person === version.lineage.trainedBy) return 'trainer';
  const fromEvidence = version.evidenceTrainers ?? [];
  if (fromEvidence === 'unreadable') return 'trainer_unknown';
  if (fromEvidence.includes(person)) return 'trainer';
  return undefined;
}

export type SeparationOfDutiesViolation = 'requester' | 'creator' | 'trainer' | 'trainer_unknown';

/**
 * Whether a transition's gates read the baseline (production) version's evidence — baseline
 * gates, and expressions, which see `baseline.metrics`. Its approvals then bind to that evidence.
 */
export function readsBaseline(transition: Pick<TransitionPolicy, 'gates'>): boolean {
  return transition.gates.some((g) => g.type === 'baseline' || g.type === 'expression');
}

/** Human-readable reason for an ignored approval, naming the fix. */
export function describeIgnored(why: IgnoredWhy): string {
  const text: Record<IgnoredWhy, string> = {
    no_audit_entry:
      'no matching approval.recorded entry in the audit log accounts for it (it was written or changed behind the service’s back); run `clearance audit verify --state`',
    role_not_required: 'the role is not one this transition asks for',
    evidence_changed: 'the evidence changed after it was given; the approver must approve again',
    policy_changed: 'the policy changed after it was given; the approver must approve again',
    baseline_changed:
      'the baseline (production) evidence changed after it was given; the approver must approve again',
    baseline_unbound:
      'it was given before approvals were bound to the baseline evidence (migration 0007); the approver must approve again',
    expired: 'it is older than the approval expiry; the approver must approve again',
    role_revoked: 'the approver no longer holds the role; another holder of the role must approve',
    requester: 'the requester may not approve their own request',
    creator: 'whoever registered the version may not approve it',
    trainer:
      'whoever trained the version (trainedBy in its registered lineage or a lineage file in its evidence) may not approve it',
    trainer_unknown:
      'a lineage file in the evidence cannot be read, so the trainer rule cannot be checked; register a new version with a readable lineage.json',
    second_role: 'one person may fill only one role per request',
    duplicate: 'the same person already approved in this role',
    role_already_filled: 'the role already has the approvals it needs',
  };
  return text[why];
}

function staleness(approval: Approval, input: ApprovalEvaluationInput): IgnoredWhy | undefined {
  if (approval.evidenceDigest !== input.request.evidenceDigest) return 'evidence_changed';
  if (approval.policyDigest !== input.request.policyDigest) return 'policy_changed';
  const current = input.current;
  if (current) {
    if (approval.baselineDigest === undefined) return 'baseline_unbound';
    if (approval.baselineDigest !== current.baselineDigest) return 'baseline_changed';
  }
  const expiry = input.transition.approvalExpiresAfter;
  const ttl = expiry === undefined ? undefined : parseDuration(expiry);
  if (ttl !== undefined && Date.parse(approval.at) + ttl <= input.now.getTime()) return 'expired';
  return undefined;
}

function chronological(approvals: readonly Approval[]): Approval[] {
  return [...approvals].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/**
 * Counts approvals per role under every rule of DESIGN.md §2 "Approval": bound to the current
 * evidence and policy digests (and, given `current`, the baseline digest, by a current holder of
 * the role), unexpired, not by the requester, creator or trainer, one role per
 * person, distinct people per role, and at least `minDistinctApprovers` people overall. A valid
 * rejection blocks the request whatever else is counted.
 */
export function evaluateApprovals(input: ApprovalEvaluationInput): ApprovalEvaluation {
  const { transition, request, version } = input;
  const duties = transition.separationOfDuties;
  const needed = new Map<string, number>(transition.approvals.map((r) => [r.role, r.count]));
  const filled = new Map<string, Set<string>>();
  const roleOf = new Map<string, string>();
  const counted: Approval[] = [];
  const ignored: ApprovalEvaluation['ignored'] = [];
  let rejection: Approval | undefined;
  for (const approval of chronological(input.approvals)) {
    const why = checkOne(approval, { input, needed, filled, roleOf, duties, request, version });
    if (why !== undefined) {
      ignored.push({ approval, why });
      continue;
    }
    if (approval.decision === 'reject') {
      rejection = approval;
      continue;
    }
    const people = filled.get(approval.role) ?? new Set<string>();
    people.add(approval.approver);
    filled.set(approval.role, people);
    roleOf.set(approval.approver, approval.role);
    counted.push(approval);
  }
  const missing = transition.anyOne
    ? missingAnyOne(transition.approvals, counted)
    : missingRoles(transition.approvals, filled);
  const distinct = new Set(counted.map((a) => a.approver)).size;
  const minDistinct = duties.minDistinctApprovers;
  return {
    satisfied: rejection === undefined && missing.length === 0 && distinct >= minDistinct,
    counted,
    ignored,
    missing,
    distinctApprovers: distinct,
    minDistinctApprovers: minDistinct,
    ...(rejection ? { rejection } : {}),
  };
}

interface CountState {
  input: ApprovalEvaluationInput;
  needed: Map<string, number>;
  filled: Map<string, Set<string>>;
  roleOf: Map<string, string>;
  duties: SeparationOfDuties;
  request: ApprovalEvaluationInput['request'];
  version: ApprovalEvaluationInput['version'];
}

function checkOne(approval: Approval, s: CountState): IgnoredWhy | undefined {
  if (s.input.audited && !s.input.audited.has(approval.id)) return 'no_audit_entry';
  const need = s.needed.get(approval.role);
  if (need === undefined) return 'role_not_required';
  const stale = staleness(approval, s.input);
  if (stale) return stale;
  if (s.input.current && !s.input.current.holdsRole(approval.approver, approval.role)) {
    return 'role_revoked';
  }
  const violation = separationOfDutiesViolation({
    duties: s.duties,
    person: approval.approver,
    requestedBy: s.request.requestedBy,
    version: s.version,
  });
  if (violation) return violation;
  const heldRole = s.roleOf.get(approval.approver);
  if (s.duties.oneRolePerPerson && heldRole !== undefined && heldRole !== approval.role) {
    return 'second_role';
  }
  if (approval.decision === 'reject') return undefined;
  const people = s.filled.get(approval.role);
  if (people?.has(approval.approver)) return 'duplicate';
  if ((people?.size ?? 0) >= need) return 'role_already_filled';
  return undefined;
}

function missingRoles(
  requirements: readonly ApprovalRequirement[],
  filled: Map<string, Set<string>>,
): { role: string; needed: number }[] {
  return requirements.flatMap((r) => {
    const short = r.count - (filled.get(r.role)?.size ?? 0);
    return short > 0 ? [{ role: r.role, needed: short }] : [];
  });
}

/** Nothing missing once anyone counted; else one sign-off in any of the roles. */
function missingAnyOne(
  requirements: readonly ApprovalRequirement[],
  counted: readonly Approval[],
): { role: string; needed: number }[] {
  if (counted.length > 0 || requirements.length === 0) return [];
  return [{ role: requirements.map((r) => r.role).join(' or '), needed: 1 }];
}
