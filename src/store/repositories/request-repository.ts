import type { Selectable, Updateable } from 'kysely';
import type { RequestRepository } from '../../app/shared/ports.js';
import type { ChangeType, RequestStatus, TransitionRequest } from '../../domain/index.js';
import { ClearanceError } from '../../domain/index.js';
import {
  conflictOnDuplicate,
  iso,
  lockedIfAsked,
  opt,
  optIso,
  type RepositoryContext,
} from '../columns.js';
import type { TransitionRequestsTable } from '../schema.js';

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
      const query = db.selectFrom('transition_requests').selectAll().where('id', '=', id);
      const row = await lockedIfAsked(context, options, query).executeTakeFirst();
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
      if (filter.version !== undefined) query = query.where('version', '=', filter.version);
      if (filter.status !== undefined) {
        if (filter.status.length === 0) return [];
        query = query.where('status', 'in', filter.status);
      }
      const rows = await query.orderBy('requested_at').orderBy('id').execute();
      return rows.map(toRequest);
    },
  };
}

/** The columns a request's later life changes; `insert` writes them too. */
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
  } satisfies Updateable<TransitionRequestsTable>;
}

export function toRequest(row: Selectable<TransitionRequestsTable>): TransitionRequest {
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
    ...optIso('closedAt', row.closed_at),
    ...opt('closedBy', row.closed_by),
    ...opt('closeReason', row.close_reason),
    ...optIso('bypassExpiresAt', row.bypass_expires_at),
    ...optIso('reviewDueAt', row.review_due_at),
  };
}
