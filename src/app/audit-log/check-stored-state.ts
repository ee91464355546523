/**
 * The database proven against the audit log: in one read snapshot, replays the log's
 * state-changing entries into the state they imply and names every row that disagrees. The log
 * itself is proven by `verifyStoredLog` (and against a kept checkpoint by `--since`); together
 * they leave no row that can change behind the service's back unnoticed.
 */
import type { AuditEntry } from '../../audit/index.js';
import type { Policy, Principal } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { guarded } from '../shared/authorise.js';
import { loadPolicy } from '../shared/load-policy.js';
import type { Repositories } from '../shared/ports.js';
import { assertAuditReader } from './audit-proofs.js';
import {
  compareAuditState,
  type FoundState,
  type StateDisagreement,
  uncomparedRegistrations,
} from './compare-audit-state.js';
import { replayAuditState, stateActions } from './replay-audit-state.js';

export interface StateCheck {
  /** When the snapshot was taken. */
  checkedAt: string;
  /** The log's size in that snapshot. */
  auditEntries: number;
  /** Every row that disagrees with the log; empty when the database is what the log says. */
  disagreements: StateDisagreement[];
  /** Log entries the replay could not apply, or policies it could not read, each named. */
  problems: string[];
  /**
   * What the log is too old to prove, each said once (versions registered before their lineage
   * digest was logged, ADR 024): not a failure, so an older log still checks clean.
   */
  notes: string[];
}

/** Checks the whole database against the whole log (no authorisation: for the server and CLI). */
export async function checkStoredState(deps: AppDeps): Promise<StateCheck> {
  return deps.store.read(async (tx) => {
    const checkedAt = deps.clock.now().toISOString();
    const auditEntries = await tx.audit.size();
    const entries: AuditEntry[] = [];
    for await (const entry of tx.audit.withActions(stateActions)) entries.push(entry);
    const { policies, problems } = await demotionRules(tx, entries);
    const expected = replayAuditState(entries, policies);
    const found = await foundState(tx);
    return {
      checkedAt,
      auditEntries,
      disagreements: compareAuditState(expected, found),
      problems: [...problems, ...expected.problems],
      notes: uncomparedRegistrations(expected),
    };
  });
}

/** `GET /api/v1/audit/state`: the check for auditors and admins, through the API. */
export function checkStateAsAuditor(deps: AppDeps, principal: Principal): Promise<StateCheck> {
  const subject = { type: 'audit_log', id: 'state' };
  return guarded(deps, { actor: principal, action: 'audit.read', subject }, async () => {
    assertAuditReader(principal);
    return checkStoredState(deps);
  });
}

/** The policies the log names, by digest: where each demotes, as `moveVersion` and rollback do. */
async function demotionRules(tx: Repositories, entries: readonly AuditEntry[]) {
  const policies = new Map<string, Policy>();
  const problems: string[] = [];
  const digests = new Set(entries.flatMap((e) => (e.digests.policy ? [e.digests.policy] : [])));
  for (const digest of digests) {
    try {
      policies.set(digest, await loadPolicy(tx, digest));
    } catch (error) {
      problems.push(
        `Policy ${digest} named by the log cannot be read: ${(error as Error).message}`,
      );
    }
  }
  return { policies: (digest: string) => policies.get(digest), problems };
}

async function foundState(tx: Repositories): Promise<FoundState> {
  const models = await tx.models.list();
  const versions = [];
  const serving = [];
  for (const model of models) {
    versions.push(...(await tx.versions.list(model.name)));
    serving.push(await tx.serving.get(model.name));
  }
  const requests = await tx.requests.list({});
  const approvals = [];
  for (const request of requests) approvals.push(...(await tx.approvals.list(request.id)));
  return { models, versions, serving, requests, approvals };
}
