import type { IdempotencyRepository } from '../../app/ports.js';
import { conflictOnDuplicate, int, iso, opt, type RepositoryContext } from '../columns.js';

export function idempotencyRepository(context: RepositoryContext): IdempotencyRepository {
  const { db } = context;
  return {
    async get(key, principalId) {
      const row = await db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('principal_id', '=', principalId)
        .where('key', '=', key)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        key: row.key,
        principalId: row.principal_id,
        requestHash: row.request_hash,
        status: int(row.status),
        contentType: row.content_type,
        body: row.body,
        ...opt('location', row.location),
        createdAt: iso(row.created_at),
      };
    },
    async put(record) {
      await conflictOnDuplicate(
        context,
        () =>
          db
            .insertInto('idempotency_keys')
            .values({
              principal_id: record.principalId,
              key: record.key,
              request_hash: record.requestHash,
              status: record.status,
              content_type: record.contentType,
              body: record.body,
              location: record.location ?? null,
              created_at: record.createdAt,
            })
            .execute(),
        `Idempotency-Key ${record.key} of ${record.principalId} is already recorded`,
      );
    },
    async purgeOlderThan(at) {
      const result = await db
        .deleteFrom('idempotency_keys')
        .where('created_at', '<', at)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
