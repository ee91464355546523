import { type Insertable, type Kysely, sql } from 'kysely';
import type { BlobUploadRepository } from '../../app/shared/ports.js';
import { inChunks, int, iso, type RepositoryContext } from '../columns.js';
import { preparedQuery, shapedQuery } from '../prepared-query.js';
import type { BlobUploadsTable, Database } from '../schema.js';

/** The user's rows. */
const mineOf = (db: Kysely<Database>, principalId: string) =>
  db.selectFrom('blob_uploads').where('principal_id', '=', principalId);

/** The user's latest totalled row (`blob_uploads_latest`): its totals and its time. */
const latestOf = (db: Kysely<Database>, principalId: string) =>
  mineOf(db, principalId)
    .select(['running_files', 'running_bytes', 'uploaded_at'])
    .where('running_files', 'is not', null)
    .orderBy('running_files', 'desc')
    .limit(1);

// Every upload adds its ledger row: compiled once per number of rows.
const insertUploads = shapedQuery((db, p: { rows: Insertable<BlobUploadsTable>[] }) =>
  db.insertInto('blob_uploads').values(p.rows),
);

const noRow = { running_files: null, running_bytes: null, uploaded_at: null };

const latestRow = preparedQuery((db, p: { principalId: string }) => latestOf(db, p.principalId));

/**
 * One row, three index lookups (ADR 052): the user's latest totalled row
 * (`blob_uploads_latest`), their first row at or after `since` (`blob_uploads_by_principal_time`;
 * nulls when the window holds none), and whether any row there has no totals
 * (`blob_uploads_untotalled`).
 */
const usageEnds = preparedQuery((db, p: { principalId: string; since: string }) =>
  db
    .selectFrom(sql<{ one: number }>`(select 1 as one)`.as('one'))
    .leftJoin(latestOf(db, p.principalId).as('latest'), (join) => join.onTrue())
    .leftJoin(
      mineOf(db, p.principalId)
        .select(['size', 'running_files', 'running_bytes'])
        .where('uploaded_at', '>=', p.since)
        .orderBy('uploaded_at')
        .orderBy('running_files')
        .limit(1)
        .as('first'),
      (join) => join.onTrue(),
    )
    .select([
      'latest.running_files as latest_files',
      'latest.running_bytes as latest_bytes',
      'latest.uploaded_at as latest_at',
      'first.size as first_size',
      'first.running_files as first_files',
      'first.running_bytes as first_bytes',
      mineOf(db, p.principalId)
        .select('id')
        .where('uploaded_at', '>=', p.since)
        .where('running_files', 'is', null)
        .limit(1)
        .as('untotalled'),
    ]),
);

/** A user's uploads through their latest totalled row, and that row's time (none: undefined). */
interface Latest {
  files: number;
  bytes: number;
  at: string | undefined;
}

/** Totals and time from a row's columns; nothing before the user's first upload. */
function latestFrom(row: {
  running_files: number | string | null;
  running_bytes: number | string | null;
  uploaded_at: Date | string | null;
}): Latest {
  if (row.running_files === null || row.running_bytes === null || row.uploaded_at === null)
    return { files: 0, bytes: 0, at: undefined };
  return {
    files: int(row.running_files),
    bytes: int(row.running_bytes),
    at: iso(row.uploaded_at),
  };
}

export function blobUploadRepository(context: RepositoryContext): BlobUploadRepository {
  const { db } = context;
  /**
   * The latest rows `usageSince` read, by user, for the `record` that follows it in the same
   * work (this repository is the work's own: ADR 051's runs each get theirs), which then needs no
   * statement of its own for them. Taken once: a second `record` reads again.
   */
  const readByUsage = new Map<string, Latest>();
  /** The user's latest totalled row as `usageSince` read it just before, taken once. */
  function takeReadByUsage(principalId: string): Latest | undefined {
    const read = readByUsage.get(principalId);
    readByUsage.delete(principalId);
    return read;
  }
  /** The user's latest totalled row, read now. */
  async function latestTotals(principalId: string): Promise<Latest> {
    const [row] = await latestRow(db, { principalId });
    return latestFrom(row ?? noRow);
  }
  /** The window's rows counted and summed one by one: exact whatever totals they carry. */
  async function countedRowByRow(
    principalId: string,
    since: string,
  ): Promise<{ files: number; bytes: number }> {
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
      // writes are named by the user, ADR 051), so that row is theirs to follow. A row's time is
      // never before that row's: an upload that read the clock and then waited for the write
      // lock behind a later one (or another server's clock behind) takes the later time, so
      // time never goes back along the running order and a window's first row by time is its
      // first by recording. An upload so stamped counts a little longer, never shorter.
      const running = new Map<string, Latest>();
      for (const { principalId } of uploads) {
        if (running.has(principalId)) continue;
        // Taken without awaiting when it was read just before: the insert then leaves in the
        // same turn as the read's answer, as it did before the totals (ADR 049's round trips).
        const read = takeReadByUsage(principalId);
        running.set(principalId, read ?? (await latestTotals(principalId)));
      }
      const rows = uploads.map((upload) => {
        const before = running.get(upload.principalId) ?? latestFrom(noRow);
        const at = before.at !== undefined && before.at > upload.at ? before.at : upload.at;
        const after = { files: before.files + 1, bytes: before.bytes + upload.size, at };
        running.set(upload.principalId, after);
        return {
          id: upload.id,
          principal_id: upload.principalId,
          digest: upload.digest,
          size: upload.size,
          uploaded_at: at,
          running_files: after.files,
          running_bytes: after.bytes,
        };
      });
      for (const chunk of inChunks(rows)) {
        if (chunk.length === 0) continue;
        await insertUploads(db, { rows: chunk });
      }
    },
    async usageSince(principalId, since) {
      const [ends] = await usageEnds(db, { principalId, since });
      if (ends === undefined)
        throw new Error("The upload ledger's usage statement answered no row.");
      readByUsage.set(
        principalId,
        latestFrom({
          running_files: ends.latest_files,
          running_bytes: ends.latest_bytes,
          uploaded_at: ends.latest_at,
        }),
      );
      // No row in the window (a row's size is never null).
      if (ends.first_size === null) return { files: 0, bytes: 0 };
      if (
        ends.untotalled !== null ||
        ends.first_files === null ||
        ends.first_bytes === null ||
        ends.first_size === null ||
        ends.latest_files === null ||
        ends.latest_bytes === null
      )
        return countedRowByRow(principalId, since);
      // The first row's own upload is in the window: its totals less it are what came before.
      return {
        files: int(ends.latest_files) - int(ends.first_files) + 1,
        bytes: int(ends.latest_bytes) - int(ends.first_bytes) + int(ends.first_size),
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
