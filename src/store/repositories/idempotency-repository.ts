import type { Selectable } from 'kysely';
import type {
  IdempotencyRecord,
  IdempotencyRepository,
  IdempotencyResponse,
} from '../../app/shared/ports.js';
import { conflictOnDuplicate, int, iso, opt, type RepositoryContext } from '../columns.js';
import type { IdempotencyKeysTable } from '../schema.js';

/**
 * A claim without a response is stored as status 0 with an empty body (migration 0004 made the
 * response columns NOT NULL, and a merged migration is never edited); no HTTP response has
 * status 0, so the encoding cannot collide with a real answer.
 */
const pendingStatus = 0;

export function idempotencyRepository(context: RepositoryContext): IdempotencyRepository {
  const { db } = context;
  const insert = (record: IdempotencyRecord) =>
    db.insertInto('idempotency_keys').values({
      principal_id: record.principalId,
      key: record.key,
      request_hash: record.requestHash,
      status: record.response?.status ?? pendingStatus,
      content_type: record.response?.contentType ?? '',
      body: record.response?.body ?? '',
      location: record.response?.location ?? null,
      created_at: record.createdAt,
    });
  const ofKey = (key: string, principalId: string) =>
    db
      .deleteFrom('idempotency_keys')
      .where('principal_id', '=', principalId)
      .where('key', '=', key);
  return {
    async get(key, principalId) {
      const row = await db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('principal_id', '=', principalId)
        .where('key', '=', key)
        .executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },
    async put(record) {
      await conflictOnDuplicate(
        context,
        () => insert(record).execute(),
        `Idempotency-Key ${record.key} of ${record.principalId} is already recorded`,
      );
    },
    async claim(record, expiredBefore) {
      await ofKey(record.key, record.principalId).where('created_at', '<', expiredBefore).execute();
      // DO NOTHING rather than a caught unique violation: on PostgreSQL a failed statement aborts
      // the whole transaction, and the caller decides what a lost claim means.
      const result = await insert(record)
        .onConflict((conflict) => conflict.columns(['principal_id', 'key']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async answer(key, principalId, response) {
      const result = await db
        .updateTable('idempotency_keys')
        .set({
          status: response.status,
          content_type: response.contentType,
          body: response.body,
          location: response.location ?? null,
        })
        .where('principal_id', '=', principalId)
        .where('key', '=', key)
        .where('status', '=', pendingStatus)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async purgeOlderThan(at, limit) {
      const result = await db
        .deleteFrom('idempotency_keys')
        .where(({ eb, refTuple, selectFrom }) =>
          eb(
            refTuple('principal_id', 'key'),
            'in',
            selectFrom('idempotency_keys')
              .select(['principal_id', 'key'])
              .where('created_at', '<', at)
              .orderBy('created_at')
              .limit(limit)
              .$asTuple('principal_id', 'key'),
          ),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toRecord(row: Selectable<IdempotencyKeysTable>): IdempotencyRecord {
  const status = int(row.status);
  const response: IdempotencyResponse | undefined =
    status === pendingStatus
      ? undefined
      : {
          status,
          contentType: row.content_type,
          body: row.body,
          ...opt('location', row.location),
        };
  return {
    key: row.key,
    principalId: row.principal_id,
    requestHash: row.request_hash,
    createdAt: iso(row.created_at),
    ...(response === undefined ? {} : { response }),
  };
}
