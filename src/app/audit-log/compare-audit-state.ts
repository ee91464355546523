/**
 * Holds the database rows against the state replayed from the audit log and names every row
 * that disagrees: its table, its key, the field, what the log says and what the row holds. A row
 * the log never wrote (`expected: null`) and a row the log wrote but the database lacks
 * (`found: null`) are disagreements too. Pure (it hashes, nothing more).
 */

import { hash } from 'node:crypto';
import type {
  Approval,
  Model,
  ServingView,
  TransitionRequest,
  VersionView,
} from '../../domain/index.js';
import { lineageDigest } from '../../domain/index.js';
import {
  approvalDifferences,
  type ExpectedState,
  type ExpectedVersion,
} from './replay-audit-state.js';

/** The database rows the check reads. */
export interface FoundState {
  models: readonly Pick<Model, 'name' | 'policyDigest'>[];
  versions: readonly FoundVersion[];
  serving: readonly ServingView[];
  requests: readonly Pick<TransitionRequest, 'id' | 'model' | 'version' | 'status'>[];
  approvals: readonly Approval[];
}

type FoundVersion = Pick<
  VersionView,
  | 'model'
  | 'version'
  | 'artifactUri'
  | 'artifactDigest'
  | 'lineage'
  | 'createdBy'
  | 'state'
  | 'stateSince'
>;

export interface StateDisagreement {
  /** The table the row lives in, as the schema names it. */
  table: 'models' | 'versions' | 'version_states' | 'serving' | 'transition_requests' | 'approvals';
  /** The row's key: a model name, `model@version`, a request or approval id. */
  key: string;
  /** The column that disagrees; `row` when the whole row is missing on one side. */
  field: string;
  /** What the audit log says; null when no audit entry accounts for the row. */
  expected: string | null;
  /** What the database holds; null when the row is missing. */
  found: string | null;
}

/** Every disagreement, by table then key. */
export function compareAuditState(expected: ExpectedState, found: FoundState): StateDisagreement[] {
  const out: StateDisagreement[] = [];
  compareModels(expected, found, out);
  compareVersions(expected, found, out);
  compareServing(expected, found, out);
  compareRequests(expected, found, out);
  compareApprovals(expected, found, out);
  return out;
}

/** One sentence per disagreement, for logs and the CLI. */
export function describeDisagreement(d: StateDisagreement): string {
  if (d.expected === null) {
    return `${d.table} ${d.key}: the row has no audit entry (found ${d.found ?? 'nothing'}).`;
  }
  if (d.found === null) {
    return `${d.table} ${d.key}: the audit log records ${d.field === 'row' ? 'the row' : `${d.field} ${d.expected}`}, the database has no such row.`;
  }
  return `${d.table} ${d.key}: ${d.field} is ${d.found}, the audit log says ${d.expected}.`;
}

function missingRow(
  out: StateDisagreement[],
  table: StateDisagreement['table'],
  key: string,
  expected: string,
): void {
  out.push({ table, key, field: 'row', expected, found: null });
}

function field(
  out: StateDisagreement[],
  at: { table: StateDisagreement['table']; key: string; field: string },
  expected: string,
  found: string,
): void {
  if (expected !== found) out.push({ ...at, expected, found });
}

function compareModels(expected: ExpectedState, found: FoundState, out: StateDisagreement[]) {
  const seen = new Set<string>();
  for (const row of found.models) {
    seen.add(row.name);
    const logged = expected.models.get(row.name);
    if (!logged) {
      out.push({ table: 'models', key: row.name, field: 'row', expected: null, found: row.name });
      continue;
    }
    field(
      out,
      { table: 'models', key: row.name, field: 'policy_digest' },
      logged.policyDigest,
      row.policyDigest,
    );
  }
  for (const name of expected.models.keys()) {
    if (!seen.has(name)) missingRow(out, 'models', name, name);
  }
}

function compareVersions(expected: ExpectedState, found: FoundState, out: StateDisagreement[]) {
  const seen = new Set<string>();
  for (const row of found.versions) {
    const key = `${row.model}@${row.version}`;
    seen.add(key);
    const logged = expected.versions.get(key);
    if (!logged) {
      out.push({ table: 'versions', key, field: 'row', expected: null, found: row.state });
      continue;
    }
    compareRegistration(logged, row, { key, out });
    field(out, { table: 'version_states', key, field: 'state' }, logged.state, row.state);
    field(out, { table: 'version_states', key, field: 'since' }, logged.since, row.stateSince);
  }
  for (const [key, logged] of expected.versions) {
    if (!seen.has(key)) missingRow(out, 'versions', key, logged.state);
  }
}

/**
 * The `versions` columns decisions read, against what `version.registered` logged: the artefact
 * production fetches (digest and URI), the registrar and the lineage (separation of duties). A
 * field the entry did not log is not compared (`uncomparedRegistrations` names those versions).
 */
function compareRegistration(
  logged: ExpectedVersion,
  row: FoundVersion,
  at: { key: string; out: StateDisagreement[] },
) {
  // Checked field by field before anything is built: a clean check of many versions allocates
  // nothing here.
  const { artifactDigest, artifactUri, createdBy, lineageDigest: lineage } = logged;
  if (artifactDigest !== '' && artifactDigest !== row.artifactDigest) {
    versionsField(at, 'artifact_digest', artifactDigest, row.artifactDigest);
  }
  if (artifactUri !== undefined && artifactUri !== row.artifactUri) {
    versionsField(at, 'artifact_uri', artifactUri, row.artifactUri);
  }
  if (createdBy !== undefined && createdBy !== row.createdBy) {
    versionsField(at, 'created_by', createdBy, row.createdBy);
  }
  if (lineage !== undefined) {
    const found = storedLineageDigest(row.lineage, lineage);
    if (found !== lineage) versionsField(at, 'lineage', lineage, found);
  }
}

function versionsField(
  at: { key: string; out: StateDisagreement[] },
  name: string,
  expected: string,
  found: string,
): void {
  at.out.push({ table: 'versions', key: at.key, field: name, expected, found });
}

/**
 * The digest of the stored lineage, held against the logged one. The column holds canonical JSON
 * and `JSON.parse` keeps its key order, so `JSON.stringify` of it is nearly always those very
 * bytes: when they hash to the logged digest the lineage is the registered one (SHA-256 is
 * preimage-resistant), and only otherwise is the canonical form computed — a clean check of
 * many versions pays one fast hash each. A column edited into JSON RFC 8785 cannot carry (a lone
 * surrogate) is reported as such, not thrown.
 */
function storedLineageDigest(lineage: FoundVersion['lineage'], logged: string): string {
  const quick = `sha256:${hash('sha256', JSON.stringify(lineage))}`;
  if (quick === logged) return quick;
  try {
    return lineageDigest(lineage);
  } catch (error) {
    return `(not canonical JSON: ${(error as Error).message.replace(/^canonicalJson: /, '')})`;
  }
}

const listedKeys = 5;

/**
 * One note per registration field some `version.registered` entries lack (entries written before
 * ADR 024 have no lineage digest): those versions' column is not compared, and the check says so
 * instead of failing, so an older log still verifies.
 */
export function uncomparedRegistrations(expected: ExpectedState): string[] {
  const lineage: string[] = [];
  const uri: string[] = [];
  for (const v of expected.versions.values()) {
    // Only versions a registration entry named (it sets the registrar).
    if (v.createdBy === undefined) continue;
    if (v.lineageDigest === undefined) lineage.push(`${v.model}@${v.version}`);
    if (v.artifactUri === undefined) uri.push(`${v.model}@${v.version}`);
  }
  const notes: string[] = [];
  if (lineage.length > 0) {
    notes.push(
      `${counted(lineage)} registered before version.registered logged a lineage digest (${listed(lineage)}): ${lineage.length === 1 ? 'its' : 'their'} lineage cannot be compared with the log.`,
    );
  }
  if (uri.length > 0) {
    notes.push(
      `${counted(uri)} registered by an entry without data.artifactUri (${listed(uri)}): ${uri.length === 1 ? 'its' : 'their'} artifact URI cannot be compared with the log.`,
    );
  }
  return notes;
}

const counted = (keys: readonly string[]) =>
  keys.length === 1 ? '1 version was' : `${keys.length} versions were`;

function listed(keys: readonly string[]): string {
  const shown = keys.slice(0, listedKeys).join(', ');
  return keys.length > listedKeys ? `${shown} and ${keys.length - listedKeys} more` : shown;
}

function servingFields(view: ServingView | undefined): Record<string, string> {
  return {
    production_version: view?.production?.version ?? '(none)',
    production_since: view?.production?.since ?? '(none)',
    canary_version: view?.canary?.version ?? '(none)',
    canary_traffic: view?.canary ? String(view.canary.traffic) : '(none)',
    rollback_target_version: view?.rollbackTarget?.version ?? '(none)',
  };
}

function compareServing(expected: ExpectedState, found: FoundState, out: StateDisagreement[]) {
  for (const row of found.serving) {
    const logged = expected.serving.get(row.model);
    const want = servingFields(logged);
    const have = servingFields(row);
    for (const [name, value] of Object.entries(have)) {
      const wanted = want[name] ?? '(none)';
      if (value === wanted) continue;
      // A serving row for a model the log never registered: nothing accounts for it.
      out.push({
        table: 'serving',
        key: row.model,
        field: name,
        expected: logged ? wanted : null,
        found: value,
      });
    }
  }
}

function compareRequests(expected: ExpectedState, found: FoundState, out: StateDisagreement[]) {
  const seen = new Set<string>();
  for (const row of found.requests) {
    seen.add(row.id);
    const logged = expected.requests.get(row.id);
    if (!logged) {
      out.push({
        table: 'transition_requests',
        key: row.id,
        field: 'row',
        expected: null,
        found: row.status,
      });
      continue;
    }
    const status = row.status === 'pending' || row.status === 'approved' ? 'open' : row.status;
    const key = row.id;
    field(out, { table: 'transition_requests', key, field: 'status' }, logged.status, status);
    field(
      out,
      { table: 'transition_requests', key, field: 'version' },
      `${logged.model}@${logged.version}`,
      `${row.model}@${row.version}`,
    );
  }
  for (const [id, logged] of expected.requests) {
    if (!seen.has(id)) missingRow(out, 'transition_requests', id, logged.status);
  }
}

function compareApprovals(expected: ExpectedState, found: FoundState, out: StateDisagreement[]) {
  const seen = new Set<string>();
  for (const row of found.approvals) {
    seen.add(row.id);
    const logged = expected.approvals.get(row.id);
    if (!logged) {
      const what = `${row.decision} by ${row.approver} as ${row.role} on request ${row.requestId}`;
      out.push({ table: 'approvals', key: row.id, field: 'row', expected: null, found: what });
      continue;
    }
    for (const d of approvalDifferences(logged, row)) {
      out.push({ table: 'approvals', key: row.id, ...d });
    }
  }
  for (const [id, logged] of expected.approvals) {
    if (!seen.has(id)) missingRow(out, 'approvals', id, `${logged.decision} by ${logged.approver}`);
  }
}
