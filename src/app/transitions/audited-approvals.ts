import type { Approval } from '../../domain/index.js';
import { approvalDifferences, approvalOfEntry } from '../audit-log/replay-audit-state.js';
import type { Repositories } from '../shared/ports.js';

/**
 * Ids of a request's approvals that their `approval.recorded` audit entry accounts for, field for
 * field: an approval row inserted or edited behind the service's back has none, and does not
 * count (finding: a row for user "ghost" was counted by execute).
 */
export async function auditedApprovalIds(
  tx: Repositories,
  requestId: string,
  approvals: readonly Approval[],
): Promise<Set<string>> {
  return auditedAmong(await approvalEntries(tx, requestId), approvals);
}

/** The `approval.recorded` entries of a request: read by its id alone (ADR 049). */
export function approvalEntries(tx: Repositories, requestId: string) {
  return tx.audit.aboutSubject({ type: 'request', id: requestId }, ['approval.recorded']);
}

/** `auditedApprovalIds` over the entries `approvalEntries` read. */
export function auditedAmong(
  entries: Awaited<ReturnType<typeof approvalEntries>>,
  approvals: readonly Approval[],
): Set<string> {
  const recorded = new Map<string, Approval>();
  for (const entry of entries) {
    const approval = approvalOfEntry(entry);
    if (approval) recorded.set(approval.id, approval);
  }
  const audited = new Set<string>();
  for (const approval of approvals) {
    const logged = recorded.get(approval.id);
    if (logged && approvalDifferences(logged, approval).length === 0) audited.add(approval.id);
  }
  return audited;
}
