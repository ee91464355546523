import type { Insertable } from 'kysely';
import type { DecisionRepository } from '../../app/shared/ports.js';
import type { DecisionRecord } from '../../domain/index.js';
import { conflictOnDuplicate, fromJson, type RepositoryContext, toJson } from '../columns.js';
import { preparedQuery } from '../prepared-query.js';
import type { DecisionsTable } from '../schema.js';

// Compiled once (ADR 033): a request and an execution each record one.
const insertDecision = preparedQuery((db, p: Insertable<DecisionsTable>) =>
  db.insertInto('decisions').values(p),
);

/** Decisions are stored whole as canonical JSON (what replay reads), plus key columns to query. */
export function decisionRepository(context: RepositoryContext): DecisionRepository {
  const { db } = context;
  return {
    async insert(decision) {
      await conflictOnDuplicate(
        context,
        () =>
          insertDecision(db, {
            id: decision.id,
            kind: decision.kind,
            request_id: decision.requestId ?? null,
            model: decision.model,
            version: decision.version,
            outcome: decision.outcome,
            policy_digest: decision.policyDigest,
            evidence_digest: decision.evidenceDigest,
            at: decision.at,
            payload: toJson(decision),
          }),
        `Decision ${decision.id} already exists; decision records are immutable`,
      );
    },
    async get(id) {
      const row = await db
        .selectFrom('decisions')
        .select('payload')
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : fromJson<DecisionRecord>(row.payload);
    },
    async list(filter) {
      let query = db.selectFrom('decisions').select('payload');
      if (filter.model !== undefined) query = query.where('model', '=', filter.model);
      if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
      const rows = await query.orderBy('at').orderBy('id').execute();
      return rows.map((row) => fromJson<DecisionRecord>(row.payload));
    },
  };
}
