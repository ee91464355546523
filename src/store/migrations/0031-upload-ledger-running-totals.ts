import { sql } from 'kysely';
import type { MigrationDb, MigrationFactory } from './migration-context.js';

/**
 * The upload ledger keeps each user's running totals (ADR 052): `running_files` and
 * `running_bytes` on each row are the files and bytes of that user's rows up to and including it,
 * in the order they were recorded. A user's usage since a time is then the difference between
 * their latest row's totals and the first row's in the window, read through two indexes, where
 * counting and summing the window's rows grew with every upload (up to 32,768 rows a day at the
 * default quota), inside the write transaction every upload runs in.
 *
 * Rows recorded before this migration get their totals here, in the order of their time (then
 * id). Rows that a server of an earlier release records after it have none (`null`): a window
 * holding one is counted row by row, as before, until it has left the window
 * (`blob_uploads_untotalled` finds them). `blob_uploads_by_principal` (0008) gives way to
 * `blob_uploads_by_principal_time`, the same columns and the running count after them.
 */
export const uploadLedgerRunningTotals: MigrationFactory = (dialect) => ({
  async up(db: MigrationDb) {
    // Only the columns not there yet: the migration may run again over its own work.
    const columns = await dialect.columnNames(db, 'blob_uploads');
    for (const column of ['running_files', 'running_bytes']) {
      if (!columns.includes(column))
        await sql.raw(`alter table blob_uploads add column ${column} bigint`).execute(db);
    }
    await sql`
      create index if not exists blob_uploads_by_principal_time
        on blob_uploads (principal_id, uploaded_at, running_files)`.execute(db);
    await sql`
      create index if not exists blob_uploads_latest
        on blob_uploads (principal_id, running_files)`.execute(db);
    await sql`
      create index if not exists blob_uploads_untotalled
        on blob_uploads (principal_id, uploaded_at) where running_files is null`.execute(db);
    await sql`drop index if exists blob_uploads_by_principal`.execute(db);
    // Last, its deferred triggers fired at once after it: on PostgreSQL a table with pending
    // trigger events takes no more DDL in the transaction (a later migration's, in the same run).
    await sql`
      update blob_uploads
        set running_files = totals.files, running_bytes = totals.bytes
        from (
          select id,
            count(*) over upto as files,
            sum(size) over upto as bytes
          from blob_uploads
          window upto as (partition by principal_id order by uploaded_at, id
                          rows between unbounded preceding and current row)
        ) as totals
        where blob_uploads.id = totals.id`.execute(db);
    for (const statement of dialect.deferredTriggersNowStatements())
      await sql.raw(statement).execute(db);
  },
});
