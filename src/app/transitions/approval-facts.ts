/**
 * The facts an approval is bound to and re-checked against (ADR 007): the baseline evidence the
 * gates compare with, the trainers named by the version's lineage evidence, and the roles the
 * approvers hold now.
 */
import {
  type ApprovalRules,
  readsBaseline,
  type VersionFacts,
} from '../../domain/approval-rules.js';
import { emergencySignOffRules } from '../../domain/emergency-sign-off.js';
import {
  type EvidenceRecord,
  evidenceSetDigest,
  type Policy,
  type RoleBinding,
  type TransitionPolicy,
  type TransitionRequest,
  type VersionView,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { readLineageBlob } from '../shared/lineage-readings.js';
import type { Repositories } from '../shared/ports.js';

/**
 * The evidence digest of the production version a transition's gates compare `version` with, or
 * null when its gates read no baseline or there is no other production version. The same choice
 * of baseline as `runGates`.
 */
async function currentBaselineDigest(
  tx: Repositories,
  input: { transition: Pick<TransitionPolicy, 'gates'>; model: string; version: string },
): Promise<string | null> {
  if (!readsBaseline(input.transition)) return null;
  const production = (await tx.versions.inState(input.model, 'production')).find(
    (v) => v.version !== input.version,
  );
  if (!production) return null;
  return evidenceSetDigest(await tx.evidence.list(input.model, production.version));
}

/**
 * The evidence digest of the version an executed emergency replaced (the rollback target), which
 * the standard gates compare with when its bypass ends (ADR 013); null when the transition's gates
 * read no baseline or nothing was replaced.
 */
export async function replacedBaselineDigest(
  tx: Repositories,
  input: { transition: Pick<TransitionPolicy, 'gates'>; model: string },
): Promise<string | null> {
  if (!readsBaseline(input.transition)) return null;
  const replaced = (await tx.serving.get(input.model)).rollbackTarget?.version;
  if (replaced === undefined) return null;
  return evidenceSetDigest(await tx.evidence.list(input.model, replaced));
}

/**
 * The request as its approvals are judged now: the model's policy digest and the version's
 * evidence digest in force, and the current baseline digest (ADR 007). Approval, the request's
 * status and execution all judge against these same facts.
 */
export async function requestInForce(
  tx: Repositories,
  input: {
    request: TransitionRequest;
    policyDigest: string;
    transition: Pick<TransitionPolicy, 'gates'>;
  },
): Promise<{
  current: TransitionRequest;
  baselineDigest: string | null;
  /** The version's evidence as read here, for `versionFacts` in the same transaction. */
  evidence: readonly EvidenceRecord[];
}> {
  const { request } = input;
  const evidence = await tx.evidence.list(request.model, request.version);
  const current: TransitionRequest = {
    ...request,
    policyDigest: input.policyDigest,
    evidenceDigest: evidenceSetDigest(evidence),
  };
  const baselineDigest = await currentBaselineDigest(tx, {
    transition: input.transition,
    model: request.model,
    version: request.version,
  });
  return { current, baselineDigest, evidence };
}

/**
 * The approval rules a request is signed off under before it executes: the transition's, or for
 * an emergency the sign-offs its emergency section names (ADR 011) — bypassing gates never
 * bypasses these.
 */
export function signOffRules(
  policy: Policy,
  request: Pick<TransitionRequest, 'changeType'>,
  transition: TransitionPolicy,
): ApprovalRules {
  if (request.changeType !== 'emergency') return transition;
  return emergencySignOffRules(policy.changeTypes.emergency ?? {}, transition);
}

/**
 * The trainer each readable lineage blob names (null: none), by blob digest. A blob's digest fixes
 * its bytes, so what was read from it before a transaction holds inside it too.
 */
export type LineageTrainers = ReadonlyMap<string, string | null>;

const noTrainersKnown: LineageTrainers = new Map();

/**
 * Reads the lineage evidence of the version `requestId` names before its write transaction, and
 * outside every transaction: a blob read inside one held the write lock — on SQLite every write
 * of a group-committed batch — for as long as the read waited for the file system (tens of
 * milliseconds behind other uploads' fsyncs). A failure here changes nothing: the transaction
 * reads every lineage file it does not find here, and reports what it finds. An unreadable file
 * is not kept, so the transaction reads it again and fails closed on its own reading.
 */
export async function lineageTrainersAhead(
  deps: Pick<AppDeps, 'store' | 'blobs' | 'lineageReadings'>,
  requestId: string,
): Promise<LineageTrainers> {
  let records: readonly EvidenceRecord[];
  try {
    // One statement (the request's version's evidence, joined): no read transaction needed.
    records = await deps.store.readOne((tx) => tx.evidence.listOfRequest(requestId));
  } catch {
    return noTrainersKnown;
  }
  return lineageTrainersOf(deps, records);
}

/**
 * The trainers of the lineage blobs among `records`, a version's evidence listed by the caller
 * (an execution lists it for its gates anyway): `lineageTrainersAhead` without its own read.
 */
export async function lineageTrainersOf(
  deps: Pick<AppDeps, 'blobs' | 'lineageReadings'>,
  records: readonly Pick<EvidenceRecord, 'kind' | 'digest'>[],
): Promise<LineageTrainers> {
  const lineage = records.filter((r) => r.kind === 'lineage');
  const readings = await Promise.all(lineage.map((r) => readLineageBlob(deps, r.digest)));
  const known = new Map<string, string | null>();
  for (const [i, reading] of readings.entries()) {
    const digest = lineage[i]?.digest;
    if (digest !== undefined && reading !== 'unreadable') known.set(digest, reading);
  }
  return known;
}

/**
 * `trainedBy` of every lineage file in the version's evidence: the trainer rule reads them as well
 * as the lineage typed at registration. A file that is not a JSON object makes the answer
 * `unreadable` (the rule cannot be checked). Read straight from the blob store (only one field
 * matters, and the gates' evidence reader would write the whole set to disk), unless `known` has
 * the blob's reading from before the transaction or the app keeps it by digest (ADR 020).
 */
async function evidenceTrainers(
  deps: Pick<AppDeps, 'blobs' | 'lineageReadings'>,
  tx: Repositories,
  input: { version: Pick<VersionView, 'model' | 'version'> } & EvidenceRead,
): Promise<readonly string[] | 'unreadable'> {
  const { version, known = noTrainersKnown } = input;
  const evidence = input.evidence ?? (await tx.evidence.list(version.model, version.version));
  const records = evidence.filter((r) => r.kind === 'lineage');
  const trainers: string[] = [];
  for (const record of records) {
    const kept = known.get(record.digest);
    if (kept === undefined && input.keptOnly === true) assertKept(deps, record.digest);
    const trainer = kept !== undefined ? kept : await readLineageBlob(deps, record.digest);
    if (trainer === 'unreadable') return 'unreadable';
    if (trainer !== null) trainers.push(trainer);
  }
  return trainers;
}

/** What a transaction already read of a version's evidence, so `versionFacts` reads no more. */
export interface EvidenceRead {
  /** Lineage blobs read before the transaction (`lineageTrainersAhead`). */
  known?: LineageTrainers;
  /** The version's evidence, listed earlier in the same transaction. */
  evidence?: readonly Pick<EvidenceRecord, 'kind' | 'digest'>[];
  /**
   * Read no blob: a lineage blob with no reading known or kept throws `LineageNotKept`, and the
   * caller reads it ahead of a new transaction (ADR 019: no blob read under the write lock).
   */
  keptOnly?: boolean;
}

/**
 * A lineage blob the app keeps no reading of, met by a transaction that may not read blobs: the
 * transaction ends (it has written nothing yet) and the caller reads the blobs ahead of another.
 */
export class LineageNotKept extends Error {
  constructor(readonly digest: string) {
    super(`no kept reading of lineage blob ${digest}`);
    this.name = 'LineageNotKept';
  }
}

function assertKept(deps: Pick<AppDeps, 'lineageReadings'>, digest: string): void {
  if (deps.lineageReadings?.get(digest) === undefined) throw new LineageNotKept(digest);
}

/** The version with the trainers its lineage evidence names, for separation of duties. */
export async function versionFacts(
  deps: Pick<AppDeps, 'blobs' | 'lineageReadings'>,
  tx: Repositories,
  version: VersionView,
  read: EvidenceRead = {},
): Promise<VersionView & VersionFacts> {
  return { ...version, evidenceTrainers: await evidenceTrainers(deps, tx, { version, ...read }) };
}

/**
 * Whether each approver holds the role for `model` now. Users Clearance stores are checked
 * against their current role bindings; an identity Clearance does not store (an OIDC subject)
 * has its roles in the identity provider's token, checked when it signed, and is not re-checked.
 */
export async function roleHolders(
  tx: Repositories,
  input: { model: string; approvers: readonly string[] },
): Promise<(approver: string, role: string) => boolean> {
  // Every approver's user and bindings in one statement, not two per approver.
  return holdersAmong(await tx.identity.rolesOfUsers([...new Set(input.approvers)]), input.model);
}

/** `roleHolders` over the stored users' bindings as read (`rolesOfUsers`, `rolesOfApproversOf`). */
export function holdersAmong(
  stored: ReadonlyMap<string, readonly RoleBinding[]>,
  model: string,
): (approver: string, role: string) => boolean {
  const held = new Map<string, string[]>();
  for (const [approver, bindings] of stored) {
    held.set(
      approver,
      bindings.filter((b) => b.model === undefined || b.model === model).map((b) => b.role),
    );
  }
  return (approver, role) => {
    const roles = held.get(approver);
    return roles === undefined || roles.includes(role);
  };
}
