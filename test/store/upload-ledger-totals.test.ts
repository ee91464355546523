/**
 * The upload ledger's running totals (migration 0031, ADR 052): a user's usage since a time is
 * read off their first row in the window and their latest, not counted row by row. Each figure is
 * compared with the rows the test recorded, counted in JavaScript; rows an earlier release
 * records without totals are counted one by one while they are in the window; the migration
 * gives the rows already there their totals.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { BlobUpload, Store } from '../../src/app/shared/ports.js';
import { createStore, type StoreDialect } from '../../src/store/index.js';
import { uploadLedgerRunningTotals } from '../../src/store/migrations/0031-upload-ledger-running-totals.js';
import { eachEngine } from './engines.js';
import { unique } from './fixtures.js';

/** Minutes after a fixed start, as the ledger stores times. */
const minute = (n: number) => new Date(Date.UTC(2026, 11, 1) + n * 60_000).toISOString();

/** A small deterministic generator: the same sequence of uploads on every engine and run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** What the test recorded, to count against. */
interface Recorded {
  principalId: string;
  size: number;
  at: string;
}

/** The files and bytes of `principalId`'s rows at or after `since`, counted one by one. */
function counted(rows: readonly Recorded[], principalId: string, since: string) {
  const inWindow = rows.filter((row) => row.principalId === principalId && row.at >= since);
  return { files: inWindow.length, bytes: inWindow.reduce((sum, row) => sum + row.size, 0) };
}

async function record(store: Store, rows: Recorded[], uploads: Recorded[]): Promise<void> {
  await store.transaction((tx) =>
    tx.blobUploads.record(
      ...uploads.map(
        (upload): BlobUpload => ({
          id: unique('upload'),
          principalId: upload.principalId,
          digest: `sha256:${'0'.repeat(64)}`,
          size: upload.size,
          at: upload.at,
        }),
      ),
    ),
  );
  rows.push(...uploads);
}

/** A row as a server before 0031 records it: no running totals. */
async function recordAsEarlierRelease(db: StoreDialect, rows: Recorded[], upload: Recorded) {
  await sql`insert into blob_uploads (id, principal_id, digest, size, uploaded_at)
    values (${unique('old')}, ${upload.principalId}, ${`sha256:${'1'.repeat(64)}`},
            ${upload.size}, ${upload.at})`.execute(db.db);
  rows.push(upload);
}

/** The ledger back as migration 0008 left it: no totals, 0031 not run. */
async function rewind(db: StoreDialect): Promise<void> {
  await sql`drop index blob_uploads_by_principal_time`.execute(db.db);
  await sql`drop index blob_uploads_latest`.execute(db.db);
  await sql`drop index blob_uploads_untotalled`.execute(db.db);
  await sql`alter table blob_uploads drop column running_files`.execute(db.db);
  await sql`alter table blob_uploads drop column running_bytes`.execute(db.db);
  await sql`create index blob_uploads_by_principal on blob_uploads (principal_id, uploaded_at)`.execute(
    db.db,
  );
  await sql`delete from kysely_migration where name = '0031-upload-ledger-running-totals'`.execute(
    db.db,
  );
}

async function usage(store: Store, principalId: string, since: string) {
  return store.read((tx) => tx.blobUploads.usageSince(principalId, since));
}

eachEngine('the upload ledger’s running totals', (engine) => {
  it('answers each user’s usage in any window as the rows counted one by one', async () => {
    const store = await engine.openStore();
    const users = [unique('ana'), unique('ben'), unique('cy')];
    const rows: Recorded[] = [];
    const next = random(7);
    for (let k = 0; k < 120; k++) {
      const principalId = users[Math.floor(next() * users.length)] as string;
      // One to three files a record, all at the record's time, as an attach records them.
      const files = 1 + Math.floor(next() * 3);
      const at = minute(k);
      await record(
        store,
        rows,
        Array.from({ length: files }, () => ({ principalId, size: Math.floor(next() * 5000), at })),
      );
    }
    for (const principalId of users) {
      for (const since of [minute(-5), minute(0), minute(1), minute(37), minute(119), minute(500)])
        expect(await usage(store, principalId, since), `${principalId} since ${since}`).toEqual(
          counted(rows, principalId, since),
        );
    }
    // Purged rows leave the totals of the rest as they were.
    await store.transaction((tx) => tx.blobUploads.purgeBefore(minute(60)));
    const kept = rows.filter((row) => row.at >= minute(60));
    for (const principalId of users) {
      for (const since of [minute(0), minute(60), minute(90)])
        expect(await usage(store, principalId, since)).toEqual(counted(kept, principalId, since));
    }
    // Recording goes on from the latest totals after the purge.
    await record(store, kept, [{ principalId: users[0] as string, size: 10, at: minute(200) }]);
    expect(await usage(store, users[0] as string, minute(61))).toEqual(
      counted(kept, users[0] as string, minute(61)),
    );
  });

  it('counts a window holding rows an earlier release recorded one by one, while it holds them', async () => {
    const store = await engine.openStore();
    const db = engine.openDialect();
    const user = unique('dee');
    const rows: Recorded[] = [];
    for (let k = 0; k < 10; k++)
      await record(store, rows, [{ principalId: user, size: 100 + k, at: minute(k) }]);
    await recordAsEarlierRelease(db, rows, { principalId: user, size: 7000, at: minute(10) });
    await recordAsEarlierRelease(db, rows, { principalId: user, size: 9000, at: minute(11) });
    for (let k = 12; k < 20; k++)
      await record(store, rows, [{ principalId: user, size: 100 + k, at: minute(k) }]);
    for (const since of [minute(0), minute(5), minute(10), minute(11), minute(12), minute(15)])
      expect(await usage(store, user, since), `since ${since}`).toEqual(counted(rows, user, since));
  });

  it('stamps an upload recorded after a later one with that one’s time, so no window loses it', async () => {
    // Two uploads of one user: the first read the clock, then waited for the write lock while the
    // second (a later clock reading, or another server's) was recorded. Rows then run 10, 5, 12
    // by their own times, out of their recording order.
    const store = await engine.openStore();
    const user = unique('hal');
    const asked: Recorded[] = [];
    for (const [k, at] of [minute(10), minute(5), minute(12), minute(12)].entries())
      await record(store, asked, [{ principalId: user, size: 100 * (k + 1), at }]);
    // Each row is stamped with the latest time recorded before it, or its own if later.
    let latest = '';
    const stamped = asked.map((row) => {
      latest = row.at > latest ? row.at : latest;
      return { ...row, at: latest };
    });
    const db = engine.openDialect();
    const stored = await db.db
      .selectFrom('blob_uploads')
      .select('uploaded_at')
      .where('principal_id', '=', user)
      .orderBy('running_files')
      .execute();
    expect(stored.map((row) => new Date(row.uploaded_at).toISOString())).toEqual(
      stamped.map((row) => row.at),
    );
    for (const since of [minute(4), minute(6), minute(10), minute(11), minute(12), minute(13)]) {
      const answered = await usage(store, user, since);
      expect(answered, `since ${since}`).toEqual(counted(stamped, user, since));
      // Never fewer than the uploads asked for in the window by their own times.
      expect(answered.files).toBeGreaterThanOrEqual(counted(asked, user, since).files);
    }
  });

  it('starts a user’s totals again once every row of theirs was purged', async () => {
    const store = await engine.openStore();
    const user = unique('ida');
    const rows: Recorded[] = [];
    for (let k = 0; k < 5; k++)
      await record(store, rows, [{ principalId: user, size: 10 + k, at: minute(k) }]);
    await store.transaction((tx) => tx.blobUploads.purgeBefore(minute(1000)));
    const after: Recorded[] = [];
    await record(store, after, [{ principalId: user, size: 7, at: minute(1001) }]);
    await record(store, after, [{ principalId: user, size: 8, at: minute(1002) }]);
    for (const since of [minute(0), minute(1001), minute(1002)])
      expect(await usage(store, user, since)).toEqual(counted(after, user, since));
  });

  it('gives the rows already in the ledger their totals when it migrates', async () => {
    const store = await engine.openStore();
    const users = [unique('eve'), unique('fay')];
    const rows: Recorded[] = [];
    for (let k = 0; k < 30; k++) {
      const principalId = users[k % 2] as string;
      await record(store, rows, [
        { principalId, size: 10 * k, at: minute(k) },
        { principalId, size: 10 * k + 1, at: minute(k) },
      ]);
    }
    // Back to the ledger as 0008 left it, the rows without totals.
    const db = engine.openDialect();
    await rewind(db);
    const migrated = await createStore(engine.config());
    try {
      const untotalled = await sql<{ n: number | string }>`
        select count(*) as n from blob_uploads where running_files is null`.execute(db.db);
      expect(Number(untotalled.rows[0]?.n)).toBe(0);
      for (const principalId of users) {
        for (const since of [minute(0), minute(13), minute(29)])
          expect(await usage(migrated, principalId, since)).toEqual(
            counted(rows, principalId, since),
          );
      }
      await record(migrated, rows, [{ principalId: users[0] as string, size: 5, at: minute(40) }]);
      expect(await usage(migrated, users[0] as string, minute(20))).toEqual(
        counted(rows, users[0] as string, minute(20)),
      );
    } finally {
      await migrated.close();
    }
  });

  it('leaves the ledger open to a later migration’s DDL in the same transaction', async () => {
    const store = await engine.openStore();
    await record(store, [], [{ principalId: unique('gil'), size: 1, at: minute(0) }]);
    const db = engine.openDialect();
    await rewind(db);
    // As Kysely runs pending migrations: all in one transaction, a later one's DDL after 0031's.
    await db.db.transaction().execute(async (trx) => {
      await uploadLedgerRunningTotals(db).up(trx);
      await sql`create index blob_uploads_probe on blob_uploads (digest)`.execute(trx);
      await sql`drop index blob_uploads_probe`.execute(trx);
      await sql`insert into kysely_migration (name, timestamp)
        values ('0031-upload-ledger-running-totals', ${new Date().toISOString()})`.execute(trx);
    });
    const untotalled = await sql<{ n: number | string }>`
      select count(*) as n from blob_uploads where running_files is null`.execute(db.db);
    expect(Number(untotalled.rows[0]?.n)).toBe(0);
  });
});
