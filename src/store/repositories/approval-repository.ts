import type { Insertable, Selectable } from 'kysely';
import type { ApprovalRepository } from '../../app/shared/ports.js';
import type { Approval, ApprovalDecision, RiskClass } from '../../domain/index.js';
import { conflictOnDuplicate, iso, opt, type RepositoryContext } from '../columns.js';
import { preparedQuery } from '../prepared-query.js';
import type { ApprovalsTable } from '../schema.js';
import { tableColumns } from '../table-columns.js';

// Compiled once (ADR 033): each approval and each execution reads and writes these.
const insertApproval = preparedQuery((db, p: Insertable<ApprovalsTable>) =>
  db.insertInto('approvals').values(p),
);
// Named columns, not `*`: a column a newer server adds leaves this statement valid (ADR 033).
const approvalColumns = tableColumns('approvals', {
  id: true,
  request_id: true,
  approver: true,
  role: true,
  decision: true,
  comment: true,
  ticket: true,
  risk_class: true,
  evidence_digest: true,
  policy_digest: true,
  baseline_digest: true,
  at: true,
});
const approvalsOf = preparedQuery((db, p: { requestId: string }) =>
  db
    .selectFrom('approvals')
    .select(approvalColumns)
    .where('request_id', '=', p.requestId)
    .orderBy('at')
    .orderBy('id'),
);

export function approvalRepository(context: RepositoryContext): ApprovalRepository {
  const { db } = context;
  return {
    async insert(approval) {
      await conflictOnDuplicate(
        context,
        () =>
          insertApproval(db, {
            id: approval.id,
            request_id: approval.requestId,
            approver: approval.approver,
            role: approval.role,
            decision: approval.decision,
            comment: approval.comment,
            ticket: approval.ticket ?? null,
            risk_class: approval.riskClass,
            evidence_digest: approval.evidenceDigest,
            policy_digest: approval.policyDigest,
            baseline_digest: toBaselineColumn(approval.baselineDigest),
            at: approval.at,
          }),
        `Approval ${approval.id} already exists; approvals are immutable`,
      );
    },
    async list(requestId) {
      return (await approvalsOf(db, { requestId })).map(toApproval);
    },
  };
}

export function toApproval(row: Selectable<ApprovalsTable>): Approval {
  return {
    id: row.id,
    requestId: row.request_id,
    approver: row.approver,
    role: row.role,
    decision: row.decision as ApprovalDecision,
    comment: row.comment,
    ...opt('ticket', row.ticket),
    riskClass: row.risk_class as RiskClass,
    evidenceDigest: row.evidence_digest,
    policyDigest: row.policy_digest,
    ...fromBaselineColumn(row.baseline_digest),
    at: iso(row.at),
  };
}

/** `none` stands for "no baseline"; NULL for an approval stored before migration 0007. */
const noBaseline = 'none';

function toBaselineColumn(digest: Approval['baselineDigest']): string | null {
  if (digest === undefined) return null;
  return digest ?? noBaseline;
}

function fromBaselineColumn(value: string | null): Pick<Approval, 'baselineDigest'> {
  if (value === null) return {};
  return { baselineDigest: value === noBaseline ? null : value };
}
