import type { Insertable, Selectable, Updateable } from 'kysely';
import type { RequestRepository } from '../../app/shared/ports.js';
import type { ChangeType, RequestStatus, TransitionRequest } from '../../domain/index.js';
import { ClearanceError } from '../../domain/index.js';
import { conflictOnDuplicate, iso, opt, optIso, type RepositoryContext } from '../columns.js';
import { preparedLockingQuery, preparedQuery, shapedQuery } from '../prepared-query.js';
import type { TransitionRequestsTable } from '../schema.js';
import { tableColumns } from '../table-columns.js';

// Each step of the governed path reads its request (locked where it changes it) and most write it
// back: compiled once, and on PostgreSQL parsed once per connection (ADR 033).
const insertRequest = preparedQuery((db, p: Insertable<TransitionRequestsTable>) =>
  db.insertInto('transition_requests').values(p),
);
// Named columns, not `*`: a column a newer server adds leaves these statements valid (ADR 033).
const requestColumns = tableColumns('transition_requests', {
  id: true,
  model: true,
  version: true,
  from_state: true,
  to_state: true,
  change_type: true,
  reason: true,
  ticket: true,
  requested_by: true,
  requested_at: true,
  status: true,
  policy_digest: true,
  evidence_digest: true,
  decision_id: true,
  closed_at: true,
  closed_by: true,
  close_reason: true,
  bypass_expires_at: true,
  review_due_at: true,
});
const requestById = preparedQuery((db, p: { id: string }) =>
  db.selectFrom('transition_requests').select(requestColumns).where('id', '=', p.id),
);
const requestByIdLocked = preparedLockingQuery((db, p: { id: string }, lock) =>
  lock(db.selectFrom('transition_requests').select(requestColumns).where('id', '=', p.id)),
);
// The governed path lists a model's open requests (a request's check) and a version's (an
// execution's): compiled once per shape of the filter.
const requestsWhere = shapedQuery(
  (
    db,
    p: {
      model: string | undefined;
      version: string | undefined;
      status: readonly RequestStatus[] | undefined;
    },
  ) => {
    let query = db.selectFrom('transition_requests').select(requestColumns);
    if (p.model !== undefined) query = query.where('model', '=', p.model);
    if (p.version !== undefined) query = query.where('version', '=', p.version);
    if (p.status !== undefined) query = query.where('status', 'in', p.status);
    return query.orderBy('requested_at').orderBy('id');
  },
);
// RETURNING tells an update that found no row from one that did, in the same statement.
const updateRequest = preparedQuery(
  (db, p: Updateable<TransitionRequestsTable> & { id: string }) => {
    const { id, ...columns } = p;
    return db.updateTable('transition_requests').set(columns).where('id', '=', id).returning('id');
  },
);

export function requestRepository(context: RepositoryContext): RequestRepository {
  const { db } = context;
  return {
    async insert(request) {
      await conflictOnDuplicate(
        context,
        () =>
          insertRequest(db, {
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
          }),
        `Transition request ${request.id} already exists`,
      );
    },
    async get(id, options) {
      const [row] =
        options?.forUpdate === true
          ? await requestByIdLocked(context, { id })
          : await requestById(db, { id });
      return row === undefined ? undefined : toRequest(row);
    },
    async update(request) {
      const updated = await updateRequest(db, { ...mutableColumns(request), id: request.id });
      if (updated.length === 0) {
        throw new ClearanceError('not_found', `Transition request ${request.id} does not exist`);
      }
    },
    async list(filter) {
      if (filter.status !== undefined && filter.status.length === 0) return [];
      const rows = await requestsWhere(db, {
        model: filter.model,
        version: filter.version,
        // A set: one shape per number of statuses, whatever a caller repeats or orders.
        status: filter.status === undefined ? undefined : [...new Set(filter.status)].sort(),
      });
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
