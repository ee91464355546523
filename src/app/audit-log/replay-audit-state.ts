/**
 * The registry's state as the audit log says it must be: a pure fold of the entries the use cases
 * write when they change state (registrations, requests, approvals, executions, rejections,
 * cancellations, imports, rollbacks and expiries) into serving per model, each version's state
 * and what its registration logged (artifact, URI, registrar, lineage digest),
 * each request's status and each recorded approval. `compare-audit-state.ts` holds it against the
 * database rows; the log itself is proven by `verifyLog`, so a row that disagrees was changed
 * behind the service's back.
 */
import type { AuditEntry } from '../../audit/index.js';
import {
  type Approval,
  demotedOnPromotion,
  demotedOnRollback,
  type Policy,
  type ServingView,
} from '../../domain/index.js';

/** Actions that change the state replayed here; every other action leaves it as it is. */
export const stateActions = [
  'model.registered',
  'model.policy_changed',
  'version.registered',
  'version.imported',
  'transition.requested',
  'transition.executed',
  'transition.blocked',
  'transition.rejected',
  'transition.cancelled',
  'approval.recorded',
  'review.recorded',
  'rollback.executed',
  'emergency.reverted',
  'rollout.started',
  'rollout.step',
  'rollout.rolled_back',
  'rollout.aborted',
  'rollout.completed',
] as const;

/** `pending` and `approved` are one status here: reaching `approved` writes no entry. */
export type ExpectedRequestStatus = 'open' | 'executed' | 'rejected' | 'cancelled' | 'expired';

export interface ExpectedVersion {
  model: string;
  version: string;
  /** Empty when no `version.registered` entry names the version. */
  artifactDigest: string;
  /** What `version.registered` logged: `data.artifactUri`. */
  artifactUri?: string;
  /**
   * `digests.lineage` (ADR 024): absent from entries written before it was logged, and then the
   * lineage cannot be compared (`uncomparedLineage` says so).
   */
  lineageDigest?: string;
  /** The registration's actor, whom `versions.created_by` names (the registrar rule reads it). */
  createdBy?: string;
  state: string;
  since: string;
}

export interface ExpectedRequest {
  id: string;
  model: string;
  version: string;
  status: ExpectedRequestStatus;
}

export interface ExpectedState {
  models: Map<string, { policyDigest: string }>;
  /** Keyed `model@version`. */
  versions: Map<string, ExpectedVersion>;
  serving: Map<string, ServingView>;
  requests: Map<string, ExpectedRequest>;
  /** Every approval or rejection recorded, keyed by approval id. */
  approvals: Map<string, Approval>;
  /** Entries the fold could not apply (a field missing), each naming its seq. */
  problems: string[];
}

/**
 * The policy an entry names by digest, for where its demoted versions go (`demotion-rules.ts`);
 * undefined when it cannot be read (the caller reports that): a promotion then demotes to the
 * promotion's source state and a rollback to `deprecated`.
 */
export type PolicyLookup = (policyDigest: string) => Policy | undefined;

/** As `moveVersion` demotes the production version a promotion from `from` replaces. */
function demotedByPromotion(policies: PolicyLookup, digest: string, from: string): string {
  const policy = policies(digest);
  return policy ? demotedOnPromotion(policy, from) : from;
}

/** As `restoreRollbackTarget` demotes the production version it takes out. */
function demotedByRollback(policies: PolicyLookup, digest: string): string {
  const policy = policies(digest);
  return policy ? demotedOnRollback(policy) : 'deprecated';
}

export function emptyExpectedState(): ExpectedState {
  return {
    models: new Map(),
    versions: new Map(),
    serving: new Map(),
    requests: new Map(),
    approvals: new Map(),
    problems: [],
  };
}

/** Folds `entries` (in seq order) into `state`; returns it for chaining. */
export function replayAuditState(
  entries: Iterable<AuditEntry>,
  policies: PolicyLookup,
  state: ExpectedState = emptyExpectedState(),
): ExpectedState {
  for (const entry of entries) applyAuditEntry(state, entry, policies);
  return state;
}

/**
 * The approval an `approval.recorded` (or a post-incident `review.recorded`) entry records, or
 * undefined when it is not one: both store their sign-off as an approval row.
 */
export function approvalOfEntry(entry: AuditEntry): Approval | undefined {
  const recorded = entry.action === 'approval.recorded' || entry.action === 'review.recorded';
  if (!recorded || entry.subject.type !== 'request') return undefined;
  const { approvalId, role, decision, riskClass } = entry.data;
  const evidence = entry.digests.evidence;
  const policy = entry.digests.policy;
  if (
    typeof approvalId !== 'string' ||
    typeof role !== 'string' ||
    (decision !== 'approve' && decision !== 'reject') ||
    (riskClass !== 'low' && riskClass !== 'medium' && riskClass !== 'high') ||
    evidence === undefined ||
    policy === undefined
  ) {
    return undefined;
  }
  return {
    id: approvalId,
    requestId: entry.subject.id,
    approver: entry.actor.id,
    role,
    decision,
    comment: entry.reason ?? '',
    ...(entry.ticket ? { ticket: entry.ticket } : {}),
    riskClass,
    evidenceDigest: evidence,
    policyDigest: policy,
    // Absent in the entry both for "no baseline" and for entries from before ADR 007.
    ...(entry.digests.baseline ? { baselineDigest: entry.digests.baseline } : {}),
    at: entry.time,
  };
}

/** Columns of `row` that differ from what its audit entry recorded (empty when they agree). */
export function approvalDifferences(
  recorded: Approval,
  row: Approval,
): { field: string; expected: string; found: string }[] {
  const fields = {
    requestId: 'request_id',
    approver: 'approver',
    role: 'role',
    decision: 'decision',
    comment: 'comment',
    ticket: 'ticket',
    riskClass: 'risk_class',
    evidenceDigest: 'evidence_digest',
    policyDigest: 'policy_digest',
    baselineDigest: 'baseline_digest',
    at: 'at',
  } as const;
  return (Object.keys(fields) as (keyof typeof fields)[]).flatMap((name) => {
    const field = fields[name];
    const expected = recorded[name] ?? '';
    const found = row[name] ?? '';
    return expected === found ? [] : [{ field, expected, found }];
  });
}

function applyAuditEntry(state: ExpectedState, entry: AuditEntry, policies: PolicyLookup): void {
  const apply = appliers[entry.action];
  if (apply === undefined) return;
  const problem = apply(state, entry, policies);
  if (problem !== undefined) {
    state.problems.push(`Audit entry ${entry.seq} (${entry.action}) ${problem}`);
  }
}

type Applier = (
  state: ExpectedState,
  entry: AuditEntry,
  policies: PolicyLookup,
) => string | undefined;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** `model@version` subjects split at the last `@` (model names have none). */
function splitVersionId(id: string): { model: string; version: string } | undefined {
  const at = id.indexOf('@');
  if (at <= 0 || at === id.length - 1) return undefined;
  return { model: id.slice(0, at), version: id.slice(at + 1) };
}

const versionKey = (model: string, version: string) => `${model}@${version}`;

function setVersionState(
  state: ExpectedState,
  input: { model: string; version: string; to: string; at: string },
): void {
  const key = versionKey(input.model, input.version);
  const known = state.versions.get(key);
  state.versions.set(
    key,
    known
      ? { ...known, state: input.to, since: input.at }
      : {
          model: input.model,
          version: input.version,
          artifactDigest: '',
          state: input.to,
          since: input.at,
        },
  );
}

function closeRequest(state: ExpectedState, id: string, status: ExpectedRequestStatus): void {
  const known = state.requests.get(id);
  if (known) state.requests.set(id, { ...known, status });
}

const appliers: Record<string, Applier> = {
  'model.registered': (state, entry) => {
    const policy = entry.digests.policy;
    if (policy === undefined) return 'has no policy digest';
    state.models.set(entry.subject.id, { policyDigest: policy });
    state.serving.set(entry.subject.id, { model: entry.subject.id });
    return undefined;
  },
  'model.policy_changed': (state, entry) => {
    const policy = entry.digests.policy;
    if (policy === undefined) return 'has no policy digest';
    state.models.set(entry.subject.id, { policyDigest: policy });
    return undefined;
  },
  'version.registered': (state, entry) => {
    const id = splitVersionId(entry.subject.id);
    const initial = text(entry.data.state);
    if (!id || !initial) return 'does not name the version and its initial state';
    const version: ExpectedVersion = {
      ...id,
      artifactDigest: entry.digests.artifact ?? '',
      createdBy: entry.actor.id,
      state: initial,
      since: entry.time,
    };
    const artifactUri = text(entry.data.artifactUri);
    if (artifactUri) version.artifactUri = artifactUri;
    const lineageDigest = entry.digests.lineage;
    if (lineageDigest) version.lineageDigest = lineageDigest;
    state.versions.set(versionKey(id.model, id.version), version);
    return undefined;
  },
  'version.imported': (state, entry) => {
    const model = text(entry.data.model);
    const version = text(entry.data.version);
    if (!model || !version) return 'does not name the model and version';
    setVersionState(state, { model, version, to: 'production', at: entry.time });
    state.serving.set(model, { model, production: { version, since: entry.time } });
    return undefined;
  },
  'transition.requested': (state, entry) => {
    const model = text(entry.data.model);
    const version = text(entry.data.version);
    if (!model || !version) return 'does not name the model and version';
    state.requests.set(entry.subject.id, { id: entry.subject.id, model, version, status: 'open' });
    return undefined;
  },
  'transition.blocked': (state, entry) => {
    closeRequest(state, entry.subject.id, 'open');
    return undefined;
  },
  'transition.rejected': (state, entry) => {
    closeRequest(state, entry.subject.id, 'rejected');
    return undefined;
  },
  'transition.expired': (state, entry) => {
    closeRequest(state, entry.subject.id, 'expired');
    return undefined;
  },
  'transition.cancelled': (state, entry) => {
    closeRequest(state, entry.subject.id, 'cancelled');
    return undefined;
  },
  'approval.recorded': applyApproval,
  'review.recorded': applyApproval,
  'transition.executed': applyExecuted,
  'rollback.executed': applyRollback,
  'emergency.reverted': (state, entry) => {
    const model = entry.subject.type === 'model' ? entry.subject.id : undefined;
    const version = text(entry.data.version);
    const to = text(entry.data.to);
    if (!model || !version || !to) return 'does not name the model, version and state';
    setVersionState(state, { model, version, to, at: entry.time });
    const requestId = text(entry.data.requestId);
    if (requestId) closeRequest(state, requestId, 'expired');
    return undefined;
  },
  'rollout.started': (state, entry) => {
    const model = text(entry.data.model);
    const version = text(entry.data.version);
    const traffic = entry.data.traffic;
    if (!model || !version || typeof traffic !== 'number') {
      return 'does not name the model, version and traffic';
    }
    const serving = state.serving.get(model) ?? { model };
    state.serving.set(model, { ...serving, canary: { version, traffic, since: entry.time } });
    return undefined;
  },
  'rollout.step': (state, entry) => {
    const model = text(entry.data.model);
    const to = entry.data.to;
    const canary = model ? state.serving.get(model)?.canary : undefined;
    if (!model || typeof to !== 'number' || !canary) return 'moves no canary of a known model';
    state.serving.set(model, {
      ...(state.serving.get(model) ?? { model }),
      canary: { ...canary, traffic: to },
    });
    return undefined;
  },
  'rollout.rolled_back': dropCanary,
  'rollout.aborted': dropCanary,
  'rollout.completed': applyCompleted,
};

/** A rollback or abort takes the canary out of serving; production is untouched. */
function dropCanary(state: ExpectedState, entry: AuditEntry): string | undefined {
  const model = text(entry.data.model);
  if (!model) return 'does not name the model';
  const { canary: _, ...rest } = state.serving.get(model) ?? { model };
  state.serving.set(model, rest);
  return undefined;
}

/** A completed canary promotes as `moveVersion` does, and its canary is gone. */
function applyCompleted(
  state: ExpectedState,
  entry: AuditEntry,
  policies: PolicyLookup,
): string | undefined {
  const model = text(entry.data.model);
  const version = text(entry.data.version);
  const from = text(entry.data.from);
  const policy = entry.digests.policy;
  if (!model || !version || !from || policy === undefined) {
    return 'does not name the model, version, state and policy';
  }
  const at = entry.time;
  const previous = text(entry.data.demoted);
  if (previous)
    setVersionState(state, {
      model,
      version: previous,
      to: demotedByPromotion(policies, policy, from),
      at,
    });
  setVersionState(state, { model, version, to: 'production', at });
  state.serving.set(model, {
    model,
    production: { version, since: at },
    ...(previous ? { rollbackTarget: { version: previous } } : {}),
  });
  return undefined;
}

function applyApproval(state: ExpectedState, entry: AuditEntry): string | undefined {
  const approval = approvalOfEntry(entry);
  if (!approval) return 'does not carry the approval id, role, decision and digests';
  state.approvals.set(approval.id, approval);
  return undefined;
}

/** As `moveVersion` does: the previous production version is demoted and becomes the target. */
function applyExecuted(
  state: ExpectedState,
  entry: AuditEntry,
  policies: PolicyLookup,
): string | undefined {
  const { model, version, from, to } = {
    model: text(entry.data.model),
    version: text(entry.data.version),
    from: text(entry.data.from),
    to: text(entry.data.to),
  };
  const policy = entry.digests.policy;
  if (!model || !version || !from || !to || policy === undefined) {
    return 'does not name the model, version, states and policy';
  }
  const at = entry.time;
  closeRequest(state, entry.subject.id, 'executed');
  // A canary started instead of a switch (rollout.started set serving); completion moves it.
  if (text(entry.data.rolloutId)) return undefined;
  const serving = state.serving.get(model) ?? { model };
  if (to === 'production') {
    const previous = text(entry.data.demoted);
    if (previous) {
      setVersionState(state, {
        model,
        version: previous,
        to: demotedByPromotion(policies, policy, from),
        at,
      });
    }
    setVersionState(state, { model, version, to, at });
    state.serving.set(model, {
      model,
      production: { version, since: at },
      ...(previous ? { rollbackTarget: { version: previous } } : {}),
    });
    return undefined;
  }
  setVersionState(state, { model, version, to, at });
  if (from === 'production' && serving.production?.version === version) {
    const { production: _dropped, ...rest } = serving;
    state.serving.set(model, rest);
  }
  return undefined;
}

/** As `restoreRollbackTarget` does: the target serves again and nothing is left to roll back to. */
function applyRollback(
  state: ExpectedState,
  entry: AuditEntry,
  policies: PolicyLookup,
): string | undefined {
  const model = entry.subject.type === 'model' ? entry.subject.id : undefined;
  const policy = entry.digests.policy;
  if (!model || policy === undefined) return 'does not name the model and policy';
  // A rollback during a canary ended the rollout (its `rollout.aborted` entry, just before,
  // dropped the canary): production and the versions' states stayed as they were.
  if (text(entry.data.rolloutId)) return undefined;
  const from = text(entry.data.from);
  const to = text(entry.data.to);
  const at = entry.time;
  if (from)
    setVersionState(state, { model, version: from, to: demotedByRollback(policies, policy), at });
  if (to) setVersionState(state, { model, version: to, to: 'production', at });
  state.serving.set(model, { model, ...(to ? { production: { version: to, since: at } } : {}) });
  const requestId = text(entry.data.requestId);
  if (requestId) closeRequest(state, requestId, 'expired');
  return undefined;
}
