import type { RequestRepository } from '../../app/shared/ports.js';
import type { ChangeType, RequestStatus, TransitionRequest } from '../../domain/index.js';
import { ClearanceError } from '../../domain/index.js';
import {
  conflictOnDuplicate,
  iso,
  isoOrUndefined,
  opt,
  type RepositoryContext,
} from '../columns.js';

export function requestRepository(context: RepositoryContext): RequestRepository {
  const { db } = context;
  return {
    async insert(request) {
      await conflictOnDuplicate(
        context,
        () =>
          db
            .insertInto('transition_requests')
            .values({
              id: request.id,
              model: request.model,
              version: request.version,
              from_state: request.from,
              to_state: request.to,
              change_type: request.changeType,
              reason: request.reason,
              ticket: request.ticket ?? null,
              requested_by: request.requestedBy,
              requested_at: request.requestedAt,
              ...mutableColumns(request),
            })
            .execute(),
        `Transition request ${request.id} already exists`,
      );
    },
    async get(id, options) {
      let query = db.selectFrom('transition_requests').selectAll().where('id', '=', id);
      if (options?.forUpdate === true && context.dialect.capabilities.supportsForUpdate) {
        query = query.forUpdate();
      }
      const row = await query.executeTakeFirst();
      return row === undefined ? undefined : toRequest(row);
    },
    async update(request) {
      const result = await db
        .updateTable('transition_requests')
        .set(mutableColumns(request))
        .where('id', '=', request.id)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) {
        throw new ClearanceError('not_found', `Transition request ${request.id} does not exist`);
      }
    },
    async list(filter) {
      let query = db.selectFrom('transition_requests').selectAll();
      if (filter.model !== undefined) query = query.where('model', '=', filter.model);
      if (filter.status !== undefined) {
        if (filter.status.length === 0) return [];
        query = query.where('status', 'in', filter.status);
      }
      const rows = await query.orderBy('requested_at').orderBy('id').execute();
      return rows.map(toRequest);
    },
  };
}

function mutableColumns(request: TransitionRequest) {
  return {
    status: request.status,
    policy_digest: request.policyDigest,
    evidence_digest: request.evidenceDigest,
    decision_id: request.decisionId ?? null,
    closed_at: request.closedAt ?? null,
    closed_by: request.closedBy ?? null,
    close_reason: request.closeReason ?? null,
    bypass_expires_at: request.bypassExpiresAt ?? null,
    review_due_at: request.reviewDueAt ?? null,
  };
}

interface RequestRow {
  id: string;
  model: string;
  version: string;
  from_state: string;
  to_state: string;
  change_type: string;
  reason: string;
  ticket: string | null;
  requested_by: string;
  requested_at: Date | string;
  status: string;
  policy_digest: string;
  evidence_digest: string;
  decision_id: string | null;
  closed_at: Date | string | null;
  closed_by: string | null;
  close_reason: string | null;
  bypass_expires_at: Date | string | null;
  review_due_at: Date | string | null;
}

export function toRequest(row: RequestRow): TransitionRequest {
  return {
    id: row.id,
    model: row.model,
    version: row.version,
    from: row.from_state,
    to: row.to_state,
    changeType: row.change_type as ChangeType,
    reason: row.reason,
    ...opt('ticket', row.ticket),
    requestedBy: row.requested_by,
    requestedAt: iso(row.requested_at),
    status: row.status as RequestStatus,
    policyDigest: row.policy_digest,
    evidenceDigest: row.evidence_digest,
    ...opt('decisionId', row.decision_id),
    ...opt('closedAt', isoOrUndefined(row.closed_at) ?? null),
    ...opt('closedBy', row.closed_by),
    ...opt('closeReason', row.close_reason),
    ...opt('bypassExpiresAt', isoOrUndefined(row.bypass_expires_at) ?? null),
    ...opt('reviewDueAt', isoOrUndefined(row.review_due_at) ?? null),
  };
}
