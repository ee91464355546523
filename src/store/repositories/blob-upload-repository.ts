import type { BlobUploadRepository } from '../../app/shared/ports.js';
import { inChunks, int, type RepositoryContext } from '../columns.js';

export function blobUploadRepository(context: RepositoryContext): BlobUploadRepository {
  const { db } = context;
  return {
    async record(...uploads) {
      for (const rows of inChunks(uploads)) {
        if (rows.length === 0) continue;
        await db
          .insertInto('blob_uploads')
          .values(
            rows.map((upload) => ({
              id: upload.id,
              principal_id: upload.principalId,
              digest: upload.digest,
              size: upload.size,
              uploaded_at: upload.at,
            })),
          )
          .execute();
      }
    },
    async usageSince(principalId, since) {
      const row = await db
        .selectFrom('blob_uploads')
        .select((eb) => [
          eb.fn.countAll<number | string>().as('files'),
          eb.fn.sum<number | string | null>('size').as('bytes'),
        ])
        .where('principal_id', '=', principalId)
        .where('uploaded_at', '>=', since)
        .executeTakeFirst();
      return {
        files: row === undefined ? 0 : int(row.files),
        bytes: row?.bytes == null ? 0 : int(row.bytes),
      };
    },
    async uploadedSince(digest, since) {
      const row = await db
        .selectFrom('blob_uploads')
        .select('id')
        .where('digest', '=', digest)
        .where('uploaded_at', '>=', since)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
    async isReferenced(digest) {
      const row = await db
        .selectFrom('evidence')
        .select('digest')
        .where('digest', '=', digest)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
    async purgeBefore(at) {
      const result = await db
        .deleteFrom('blob_uploads')
        .where('uploaded_at', '<', at)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
