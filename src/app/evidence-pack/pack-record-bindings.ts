/**
 * The records of an evidence pack held to the signed log: each approval, decision, request and
 * policy file must be what a proven audit entry commits to, and every proven entry that records one
 * must have its record in the pack. The manifest is not signed, so without this a pack whose
 * approvals.json names a forged approver (its manifest row rewritten) would verify.
 *
 * What the log does not commit to stays unchecked here and is said so in
 * docs/reference/evidence-pack.md: the gate details of a decision (observed values, bounds,
 * explanations) and its reasons; a policy file's comments and layout (its digest is over the
 * parsed policy).
 */
import type { AuditEntry } from '../../audit/index.js';
import type { Approval, DecisionRecord, TransitionRequest } from '../../domain/index.js';
import { canonicalJson, evidenceSetDigest } from '../../domain/index.js';
import { parsePolicy } from '../../policy/index.js';
import {
  approvalDifferences,
  approvalOfEntry,
  replayAuditState,
} from '../audit-log/replay-audit-state.js';
import type { PackCheck } from './verify-evidence-pack.js';

interface RecordBindings {
  failures: string[];
  summary: string;
}

export interface Bound {
  /** Entries proven included in the signed log, in seq order. */
  proven: AuditEntry[];
  /** Entries listed as newer than the checkpoint: present, but proving nothing. */
  unproven: AuditEntry[];
}

const quote = (value: unknown) => (value === undefined ? 'absent' : JSON.stringify(value));
const bySubject = (entries: readonly AuditEntry[], action: string, type: string) => {
  const found = new Map<string, AuditEntry>();
  for (const e of entries)
    if (e.action === action && e.subject.type === type) found.set(e.subject.id, e);
  return found;
};

type Difference = { field: string; found: unknown; logged: unknown };

/** `field is X; audit entry N records Y` for each field that differs. */
function differences(pairs: [field: string, found: unknown, logged: unknown][]): Difference[] {
  return pairs
    .filter(([, found, logged]) => canonical(found) !== canonical(logged))
    .map(([field, found, logged]) => ({ field, found, logged }));
}

function canonical(value: unknown): string {
  try {
    return canonicalJson(value ?? null);
  } catch {
    // A value RFC 8785 cannot encode (a non-finite number) matches nothing the log holds.
    return `unencodable:${String(value)}`;
  }
}

function mismatch(where: string, entry: AuditEntry, diffs: Difference[]): string {
  const parts = diffs.map(
    (d) => `${d.field} is ${quote(d.found)}, the log says ${quote(d.logged)}`,
  );
  return `${where} does not match audit entry ${entry.seq} (${entry.action}): ${parts.join('; ')}.`;
}

/**
 * The records are untrusted JSON: a field of the wrong shape (a gate that is not an object) makes
 * the record a failure named as such, not a crash of the whole verification.
 */
function shapeSafe(
  where: string,
  out: string[],
  compare: () => Difference[],
): Difference[] | undefined {
  try {
    return compare();
  } catch {
    out.push(`${where} is not a well-formed record.`);
    return undefined;
  }
}

function unbound(where: string, what: string, b: Bound, find: (e: AuditEntry) => boolean): string {
  const late = b.unproven.find(find);
  return late
    ? `${where} is recorded only by audit entry ${late.seq}, newer than the signed checkpoint, so nothing proves it: sign a checkpoint (clearance audit checkpoint) and export again.`
    : `${where} is not in the signed log: no proven ${what} entry records it.`;
}

function checkApprovals(approvals: readonly Approval[], b: Bound, out: string[]): void {
  const logged = new Map<string, { approval: Approval; entry: AuditEntry }>();
  for (const entry of b.proven) {
    const approval = approvalOfEntry(entry);
    if (approval) logged.set(approval.id, { approval, entry });
  }
  const seen = new Set<string>();
  for (const a of approvals) {
    const where = `approvals.json: approval ${a.id} (${a.approver}, ${a.role})`;
    seen.add(a.id);
    const found = logged.get(a.id);
    if (!found) {
      out.push(unbound(where, 'approval.recorded', b, (e) => approvalOfEntry(e)?.id === a.id));
      continue;
    }
    const diffs = shapeSafe(where, out, () =>
      approvalDifferences(found.approval, a).map(({ field, expected, found: f }) => ({
        field,
        found: f,
        logged: expected,
      })),
    );
    if (diffs === undefined) continue;
    if (diffs.length > 0) out.push(mismatch(where, found.entry, diffs));
  }
  for (const [id, { entry }] of logged)
    if (!seen.has(id))
      out.push(`approvals.json leaves out approval ${id} that audit entry ${entry.seq} records.`);
}

/** How a request differs from its `transition.requested` entry and the entries that followed. */
function requestDifferences(
  r: TransitionRequest,
  c: {
    entry: AuditEntry;
    about: readonly AuditEntry[];
    decisions: ReadonlyMap<string, AuditEntry>;
    replayed: ReturnType<typeof replayAuditState>;
  },
): Difference[] {
  const { entry, about, decisions, replayed } = c;
  const { data } = entry;
  const diffs = differences([
    ['model', r.model, data.model],
    ['version', r.version, data.version],
    ['from', r.from, data.from],
    ['to', r.to, data.to],
    ['changeType', r.changeType, data.changeType],
    ['reason', r.reason, entry.reason],
    ['ticket', r.ticket, entry.ticket],
    ['requestedBy', r.requestedBy, entry.actor.id],
    ['requestedAt', r.requestedAt, entry.time],
  ]);
  const expected = replayed.requests.get(r.id)?.status;
  const status = r.status === 'pending' || r.status === 'approved' ? 'open' : r.status;
  if (expected !== undefined && status !== expected)
    diffs.push({ field: 'status', found: r.status, logged: expected });
  const closing = about.filter((e) =>
    ['transition.executed', 'transition.rejected', 'transition.cancelled'].includes(e.action),
  );
  const last = closing.at(-1);
  if (last && r.status !== 'pending' && r.status !== 'approved') {
    diffs.push(
      ...differences([
        ['closedBy', r.closedBy, last.actor.id],
        ['closedAt', r.closedAt, last.time],
      ]),
    );
    if (last.action !== 'transition.executed')
      diffs.push(...differences([['closeReason', r.closeReason, last.reason]]));
  }
  for (const field of ['policyDigest', 'evidenceDigest'] as const) {
    const name = field === 'policyDigest' ? 'policy' : 'evidence';
    if (!about.some((e) => e.digests[name] === r[field]))
      diffs.push({ field, found: r[field], logged: entry.digests[name] });
  }
  const decision = r.decisionId === undefined ? undefined : decisions.get(r.decisionId);
  if (r.decisionId !== undefined && decision?.data.requestId !== r.id)
    diffs.push({
      field: 'decisionId',
      found: r.decisionId,
      logged: 'a decision of this request',
    });
  return diffs;
}

function checkRequests(
  requests: readonly TransitionRequest[],
  decisions: ReadonlyMap<string, AuditEntry>,
  b: Bound,
  out: string[],
): void {
  const requested = bySubject(b.proven, 'transition.requested', 'request');
  const replayed = replayAuditState(b.proven, () => undefined);
  const seen = new Set<string>();
  for (const r of requests) {
    const where = `requests.json: request ${r.id} (${r.from} → ${r.to})`;
    seen.add(r.id);
    const entry = requested.get(r.id);
    if (!entry) {
      out.push(
        unbound(
          where,
          'transition.requested',
          b,
          (e) => e.subject.id === r.id && e.action === 'transition.requested',
        ),
      );
      continue;
    }
    const about = b.proven.filter((e) => e.subject.type === 'request' && e.subject.id === r.id);
    const diffs = shapeSafe(where, out, () =>
      requestDifferences(r, { entry, about, decisions, replayed }),
    );
    if (diffs === undefined) continue;
    if (diffs.length > 0) out.push(mismatch(where, entry, diffs));
  }
  for (const [id, entry] of requested)
    if (!seen.has(id))
      out.push(`requests.json leaves out request ${id} that audit entry ${entry.seq} records.`);
}

/** How a decision differs from its `gate.evaluated` entry, its request's and its approvals'. */
function decisionDifferences(
  d: DecisionRecord,
  c: {
    entry: AuditEntry;
    requested: ReadonlyMap<string, AuditEntry>;
    /** The approvals the proven entries record, by id. */
    approvals: ReadonlyMap<string, Approval>;
  },
): Difference[] {
  const { entry } = c;
  const { data, digests } = entry;
  const gates = (d.gates ?? []).map((g) => ({
    id: g.gateId,
    outcome: g.outcome,
    bypassed: g.bypassed === true,
  }));
  const diffs = differences([
    ['kind', d.kind, data.kind],
    ['requestId', d.requestId, data.requestId],
    ['outcome', d.outcome, data.outcome],
    ['at', d.at, entry.time],
    ['policyDigest', d.policyDigest, digests.policy],
    ['evidenceDigest', d.evidenceDigest, digests.evidence],
    ['baseline.evidenceDigest', d.baseline?.evidenceDigest, digests.baselineEvidence],
    ['gates (id, outcome, bypassed)', gates, data.gates],
    ['approvalsCounted', (d.approvalsCounted ?? []).map((a) => a.id), data.approvalsCounted],
  ]);
  // The evidence list is bound through its set digest, which the entry records.
  if (Array.isArray(d.evidence) && evidenceSetDigest(d.evidence) !== digests.evidence)
    diffs.push({
      field: 'evidence',
      found: evidenceSetDigest(d.evidence),
      logged: digests.evidence,
    });
  const request = d.requestId === undefined ? undefined : c.requested.get(d.requestId);
  if (request)
    diffs.push(
      ...differences([
        ['model', d.model, request.data.model],
        ['version', d.version, request.data.version],
        ['from', d.from, request.data.from],
        ['to', d.to, request.data.to],
        ['changeType', d.changeType, request.data.changeType],
      ]),
    );
  for (const counted of d.approvalsCounted ?? []) {
    const bound = c.approvals.get(counted.id);
    if (!bound || approvalDifferences(bound, counted).length > 0)
      diffs.push({
        field: `approvalsCounted ${counted.id}`,
        found: `${counted.approver} (${counted.role})`,
        logged: bound ? `${bound.approver} (${bound.role})` : undefined,
      });
  }
  return diffs;
}

function checkDecisions(
  decisions: readonly DecisionRecord[],
  logged: ReadonlyMap<string, AuditEntry>,
  context: {
    b: Bound;
    requested: ReadonlyMap<string, AuditEntry>;
    approvals: ReadonlyMap<string, Approval>;
  },
  out: string[],
): void {
  const { b, requested } = context;
  const seen = new Set<string>();
  for (const d of decisions) {
    const where = `decisions.json: decision ${d.id} (${d.kind}, ${d.from} → ${d.to})`;
    seen.add(d.id);
    const entry = logged.get(d.id);
    if (!entry) {
      out.push(unbound(where, 'gate.evaluated', b, (e) => e.subject.id === d.id));
      continue;
    }
    const diffs = shapeSafe(where, out, () =>
      decisionDifferences(d, { entry, requested, approvals: context.approvals }),
    );
    if (diffs === undefined) continue;
    if (diffs.length > 0) out.push(mismatch(where, entry, diffs));
  }
  for (const [id, entry] of logged)
    if (!seen.has(id))
      out.push(`decisions.json leaves out decision ${id} that audit entry ${entry.seq} records.`);
}

function checkPolicies(
  policies: ReadonlyMap<string, string>,
  b: Bound,
  needed: ReadonlySet<string>,
  out: string[],
): void {
  const known = new Set(b.proven.flatMap((e) => Object.values(e.digests)));
  for (const e of b.proven) if (e.action === 'policy.registered') known.add(e.subject.id);
  for (const [path, text] of policies) {
    const named = `sha256:${path.slice('policy/sha256-'.length, -'.yaml'.length)}`;
    const parsed = parsePolicy(text, path);
    if (!parsed.ok) {
      out.push(`${path} does not parse as a policy, so it is not the policy ${named}.`);
      continue;
    }
    if (parsed.digest !== named)
      out.push(`${path} is not the policy its name says: it parses to ${parsed.digest}.`);
    else if (!known.has(named))
      out.push(`${path} is not in the signed log: no proven entry names policy ${named}.`);
  }
  const present = new Set(
    [...policies.keys()].map((p) => `sha256:${p.slice('policy/sha256-'.length, -'.yaml'.length)}`),
  );
  for (const digest of needed)
    if (!present.has(digest))
      out.push(`policy/${digest.replace(':', '-')}.yaml is missing: the pack's records use it.`);
}

interface PackRecords {
  approvals: Approval[];
  decisions: DecisionRecord[];
  requests: TransitionRequest[];
  /** Policy texts by pack path (`policy/sha256-<hex>.yaml`). */
  policies: Map<string, string>;
}

/** Every record of the pack against the proven entries (see the module comment). */
function recordBindingFailures(records: PackRecords, b: Bound): RecordBindings {
  const failures: string[] = [];
  const decisions = bySubject(b.proven, 'gate.evaluated', 'decision');
  const requested = bySubject(b.proven, 'transition.requested', 'request');
  checkApprovals(records.approvals, b, failures);
  checkRequests(records.requests, decisions, b, failures);
  const approvals = new Map<string, Approval>();
  for (const e of b.proven) {
    const approval = approvalOfEntry(e);
    if (approval) approvals.set(approval.id, approval);
  }
  checkDecisions(records.decisions, decisions, { b, requested, approvals }, failures);
  const needed = new Set<string>();
  for (const e of [...requested.values(), ...decisions.values()])
    if (e.digests.policy !== undefined) needed.add(e.digests.policy);
  checkPolicies(records.policies, b, needed, failures);
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const summary =
    failures.length === 0
      ? `${count(records.approvals.length, 'approval', 'approvals')}, ${count(records.decisions.length, 'decision', 'decisions')}, ${count(records.requests.length, 'request', 'requests')} and ${count(records.policies.size, 'policy', 'policies')} match the proven audit entries that record them.`
      : `${failures.length} record problem(s).`;
  return { failures, summary };
}

const decoder = new TextDecoder();

/** A JSON array file of the pack, or a failure naming it. */
function arrayFile<T>(
  files: ReadonlyMap<string, Uint8Array>,
  path: string,
  failures: string[],
): T[] {
  const bytes = files.get(path);
  if (!bytes) {
    failures.push(`${path} is missing: every pack holds it.`);
    return [];
  }
  try {
    const value = JSON.parse(decoder.decode(bytes)) as unknown;
    if (Array.isArray(value) && value.every((v) => typeof v === 'object' && v !== null))
      return value as T[];
  } catch {
    // reported below
  }
  failures.push(`${path} is not a JSON array of records.`);
  return [];
}

/**
 * The `records` check of `verifyEvidencePack`; `bound` is undefined when the checkpoint did not
 * verify, so nothing is proven to bind to.
 */
export function checkRecords(
  files: ReadonlyMap<string, Uint8Array>,
  bound: Bound | undefined,
): PackCheck {
  if (!bound) {
    const summary = 'The records were not checked: the checkpoint did not verify.';
    return { check: 'records', ok: false, summary, failures: [] };
  }
  const failures: string[] = [];
  const policies = new Map<string, string>();
  for (const [path, bytes] of files)
    if (path.startsWith('policy/')) policies.set(path, decoder.decode(bytes));
  const records: PackRecords = {
    approvals: arrayFile<Approval>(files, 'approvals.json', failures),
    decisions: arrayFile<DecisionRecord>(files, 'decisions.json', failures),
    requests: arrayFile<TransitionRequest>(files, 'requests.json', failures),
    policies,
  };
  const bindings = recordBindingFailures(records, bound);
  failures.push(...bindings.failures);
  const summary =
    failures.length === 0 ? bindings.summary : `${failures.length} record problem(s).`;
  return { check: 'records', ok: failures.length === 0, summary, failures };
}
