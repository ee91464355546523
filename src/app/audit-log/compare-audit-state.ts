/**
 * Holds the database rows against the state replayed from the audit log and names every row
 * that disagrees: its table, its key, the field, what the log says and what the row holds. A row
 * the log never wrote (`expected: null`) and a row the log wrote but the database lacks
 * (`found: null`) are disagreements too. Pure.
 */
import type {
  Approval,
  Model,
  ServingView,
  TransitionRequest,
  VersionView,
} from '../../domain/index.js';
import { approvalDifferences, type ExpectedState } from './replay-audit-state.js';

/** The database rows the check reads. */
export interface FoundState {
  models: readonly Pick<Model, 'name' | 'policyDigest'>[];
  versions: readonly Pick<
    VersionView,
    'model' | 'version' | 'artifactDigest' | 'state' | 'stateSince'
  >[];
  serving: readonly ServingView[];
  requests: readonly Pick<TransitionRequest, 'id' | 'model' | 'version' | 'status'>[];
  approvals: readonly Approval[];
}

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
    if (logged.artifactDigest !== '') {
      field(
        out,
        { table: 'versions', key, field: 'artifact_digest' },
        logged.artifactDigest,
        row.artifactDigest,
      );
    }
    field(out, { table: 'version_states', key, field: 'state' }, logged.state, row.state);
    field(out, { table: 'version_states', key, field: 'since' }, logged.since, row.stateSince);
  }
  for (const [key, logged] of expected.versions) {
    if (!seen.has(key)) missingRow(out, 'versions', key, logged.state);
  }
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
