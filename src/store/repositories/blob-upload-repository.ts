import type { BlobUploadRepository } from '../../app/shared/ports.js';
import { inChunks, int, type RepositoryContext } from '../columns.js';
import { preparedQuery } from '../prepared-query.js';

/** The user's latest totalled row (`blob_uploads_latest`). */
const latestRow = preparedQuery((db, p: { principalId: string }) =>
  db
    .selectFrom('blob_uploads')
    .select(['running_files', 'running_bytes'])
    .where('principal_id', '=', p.principalId)
    .where('running_files', 'is not', null)
    .orderBy('running_files', 'desc')
    .limit(1),
);

/**
 * In one statement, each part an index lookup (ADR 052): the first row at or after `since`
 * (`blob_uploads_by_principal_time`), whether any row there has no totals
 * (`blob_uploads_untotalled`), and the user's latest totals (`blob_uploads_latest`). No row when
 * the window holds none of the user's uploads.
 */
const usageEnds = preparedQuery((db, p: { principalId: string; since: string }) => {
  const mine = () => db.selectFrom('blob_uploads').where('principal_id', '=', p.principalId);
  const latest = () =>
    mine().where('running_files', 'is not', null).orderBy('running_files', 'desc').limit(1);
  return db
    .selectFrom(
      mine()
        .select(['size', 'running_files', 'running_bytes'])
        .where('uploaded_at', '>=', p.since)
        .orderBy('uploaded_at')
        .orderBy('running_files')
        .limit(1)
        .as('first'),
    )
    .select([
      'first.size',
      'first.running_files as first_files',
      'first.running_bytes as first_bytes',
      mine()
        .select('id')
        .where('uploaded_at', '>=', p.since)
        .where('running_files', 'is', null)
        .limit(1)
        .as('untotalled'),
      latest().select('running_files').as('latest_files'),
      latest().select('running_bytes').as('latest_bytes'),
    ]);
});

/** A user's uploads through some row: how many files, how many bytes. */
interface Totals {
  files: number;
  bytes: number;
}

const noTotals: Totals = { files: 0, bytes: 0 };

export function blobUploadRepository(context: RepositoryContext): BlobUploadRepository {
  const { db } = context;
  /** The totals on the user's latest totalled row; none before their first upload. */
  async function latestTotals(principalId: string): Promise<Totals> {
    const [row] = await latestRow(db, { principalId });
    if (row === undefined || row.running_files === null || row.running_bytes === null)
      return noTotals;
    return { files: int(row.running_files), bytes: int(row.running_bytes) };
  }
  /** The window's rows counted and summed one by one: exact whatever totals they carry. */
  async function countedRowByRow(principalId: string, since: string): Promise<Totals> {
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
  }
  return {
    async record(...uploads) {
      // Each user's running totals go on from their latest totalled row (ADR 052). A user's
      // uploads are recorded one transaction after another (the write lock; on PostgreSQL their
      // writes are named by the user, ADR 051), so that row is theirs to follow.
      const running = new Map<string, Totals>();
      for (const upload of uploads) {
        if (!running.has(upload.principalId))
          running.set(upload.principalId, await latestTotals(upload.principalId));
      }
      const rows = uploads.map((upload) => {
        const before = running.get(upload.principalId) ?? noTotals;
        const after = { files: before.files + 1, bytes: before.bytes + upload.size };
        running.set(upload.principalId, after);
        return {
          id: upload.id,
          principal_id: upload.principalId,
          digest: upload.digest,
          size: upload.size,
          uploaded_at: upload.at,
          running_files: after.files,
          running_bytes: after.bytes,
        };
      });
      for (const chunk of inChunks(rows)) {
        if (chunk.length === 0) continue;
        await db.insertInto('blob_uploads').values(chunk).execute();
      }
    },
    async usageSince(principalId, since) {
      const [ends] = await usageEnds(db, { principalId, since });
      if (ends === undefined) return noTotals;
      if (ends.untotalled !== null || ends.first_files === null || ends.first_bytes === null)
        return countedRowByRow(principalId, since);
      // The first row's own upload is in the window: its totals less it are what came before.
      // Clocks of two servers may order two rows apart from their recording order by their
      // skew; a difference never goes below nothing.
      return {
        files: Math.max(0, int(ends.latest_files ?? 0) - int(ends.first_files) + 1),
        bytes: Math.max(0, int(ends.latest_bytes ?? 0) - int(ends.first_bytes) + int(ends.size)),
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
