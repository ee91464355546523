import { resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { appendOnlyKeys, type Database } from '../schema.js';
import { checkedDialect, watchedDialect } from './checked-dialect.js';
import { groupCommitting, settleStrayStatements } from './group-commit.js';
import { cachingStatements } from './statement-cache.js';
import { appendOnlyMessage, type StoreDialect, type StoreErrorKind } from './store-dialect.js';

export interface SqliteOptions {
  /** Path of the database file (created if missing); `:memory:` for a throwaway database. */
  file: string;
  /** FULL (default) survives power loss with the last commit; NORMAL may lose it, never corrupts. */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a writer waits for another process's lock before giving up; default 5000 ms. */
  busyTimeoutMs?: number;
  /** How long a write waits for its turn in this process before it fails (group-commit.ts); default 30 s. */
  writeWaitLimitMs?: number;
}

/**
 * Write queues per database file, shared by every connection this process opens on it.
 * better-sqlite3 waits for a lock synchronously (busy_timeout blocks the event loop), so a second
 * connection in the same process that waited on BEGIN IMMEDIATE would stall the very transaction
 * it waits for. Other processes are fine: they wait in their own event loop.
 */
const queues = new Map<string, { tail: Promise<unknown> }>();

/** The writer's temporary store (savepoint and statement journals) outside migrations. */
const tempInMemory = 'MEMORY';

/**
 * better-sqlite3 on one connection in WAL mode. Kysely already serialises use of that connection,
 * but a transaction here spans many awaits, so the queue keeps a second `transaction()` from even
 * issuing BEGIN until the first has committed or rolled back.
 */
export function sqliteDialect(options: SqliteOptions): StoreDialect {
  const database = new SqliteDatabase(options.file);
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  database.pragma('foreign_keys = ON');
  database.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  // Each grouped write runs in a savepoint (ADR 012), whose journal keeps the first-seen copy of
  // every page the write changes: a create's twenty-odd pages pass SQLite's 64 KiB spill limit,
  // and the journal then went to a temporary file, a page write per page (two system calls) on
  // every create, more than the WAL itself took. In memory it costs a copy of the page; it lives
  // only until the savepoint's release or rollback, and durability is the WAL's business alone
  // (ADR 022). Migrations, which may rewrite whole tables, keep their journals on disk.
  database.pragma(`temp_store = ${tempInMemory}`);
  const db = new Kysely<Database>({
    dialect: checkedDialect(new SqliteDialect({ database: cachingStatements(database) })),
  });
  // Each :memory: database is private to its connection, so it gets its own queue.
  const key = options.file === ':memory:' ? undefined : resolve(options.file);
  const queue = (key === undefined ? undefined : queues.get(key)) ?? { tail: Promise.resolve() };
  if (key !== undefined) queues.set(key, queue);

  function runExclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.tail.then(work);
    queue.tail = run.catch(() => undefined);
    return run;
  }

  function soloTransaction<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return runExclusive(() =>
      db.connection().execute(async (conn) => {
        // IMMEDIATE takes the write lock up front, so a writer in another process waits
        // (busy_timeout) at BEGIN instead of failing later on a lock upgrade.
        await sql`begin immediate`.execute(conn);
        try {
          const result = await work(conn);
          await sql`commit`.execute(conn);
          return result;
        } catch (error) {
          await settleStrayStatements();
          if (database.inTransaction) await sql`rollback`.execute(conn);
          throw error;
        }
      }),
    );
  }
  // One BEGIN IMMEDIATE … COMMIT, and so one fsync, for all writes that queued meanwhile.
  const writeTransaction = groupCommitting(
    soloTransaction,
    options.writeWaitLimitMs === undefined ? {} : { waitLimitMs: options.writeWaitLimitMs },
  );

  // Reads run on their own read-only connection, opened on first use: in WAL mode a reader sees
  // the last committed snapshot and neither waits for the writer nor holds it up. Its queue keeps
  // one read transaction at a time on that connection. A :memory: database exists only on its
  // own connection, so there reads share the write path.
  let reader: { db: Kysely<Database>; tail: Promise<unknown> } | undefined;
  let closed = false;
  function readerDb(file: string): { db: Kysely<Database>; tail: Promise<unknown> } {
    reader ??= {
      db: new Kysely<Database>({
        dialect: watchedDialect(
          new SqliteDialect({
            database: cachingStatements(
              new SqliteDatabase(file, { readonly: true, fileMustExist: true }),
            ),
          }),
        ),
      }),
      tail: Promise.resolve(),
    };
    return reader;
  }
  function readTransaction<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new Error(`The store on ${options.file} is closed.`));
    if (key === undefined) {
      // One connection only: reads queue with the writes, made read-only for their duration (in
      // a transaction of their own: query_only inside a group of writes would refuse the others).
      return soloTransaction(async (conn) => {
        await sql`pragma query_only = 1`.execute(conn);
        try {
          return await work(conn);
        } finally {
          await sql`pragma query_only = 0`.execute(conn);
        }
      });
    }
    const read = readerDb(key);
    const run = read.tail.then(() =>
      read.db.connection().execute(async (conn) => {
        await sql`begin`.execute(conn);
        try {
          return await work(conn);
        } finally {
          await sql`rollback`.execute(conn);
        }
      }),
    );
    read.tail = run.catch(() => undefined);
    return run;
  }

  // One statement needs no transaction: on the read-only connection, Kysely's connection mutex
  // already keeps it from running inside another read's BEGIN … ROLLBACK.
  function readStatement<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new Error(`The store on ${options.file} is closed.`));
    if (key === undefined) return readTransaction(work);
    return work(readerDb(key).db);
  }

  // A connection of its own for `PRAGMA data_version`: the reader's may be inside a read
  // transaction, where the pragma answers for that transaction's snapshot, not for now. This one
  // runs nothing else, so each call is a read transaction of its own, started and ended at once.
  // Every commit on the file counts: the writer connection's, other processes'.
  let versionOf: (() => number) | undefined;
  function currentDataVersion(): number | undefined {
    if (closed || key === undefined) return undefined;
    try {
      if (versionOf === undefined) {
        const watcher = new SqliteDatabase(key, { readonly: true, fileMustExist: true });
        watchers.push(watcher);
        const statement = watcher.prepare('pragma data_version').pluck();
        versionOf = () => statement.get() as number;
      }
      return versionOf();
    } catch {
      // A WAL lock held for a moment (another connection recovering the index): not knowing only
      // costs the caller a read from the store, where waiting would block the event loop.
      return undefined;
    }
  }
  const watchers: SqliteDatabase.Database[] = [];

  return {
    label: `SQLite ${options.file}`,
    capabilities: { timestampType: 'text' },
    db,
    writeTransaction,
    writesSideBySide: false,
    writeStats: writeTransaction.stats,
    readTransaction,
    readStatement,
    // No round trip: the answer is ready at once.
    dataVersion: () => Promise.resolve(currentDataVersion()),
    // `PRAGMA data_version` counts every commit already.
    countCommitsStatements: () => [],
    dataVersionStatements: () => [],
    countCommitOnceStatements: () => [],
    dropDataVersionStatements: () => [],
    // A migration's statement may change every page of a large table, and its journal would
    // hold a copy of each: on disk, as SQLite's default has it.
    runExclusive: (work) =>
      runExclusive(async () => {
        database.pragma('temp_store = DEFAULT');
        try {
          return await work();
        } finally {
          database.pragma(`temp_store = ${tempInMemory}`);
        }
      }),
    // SQLite has no row locks and no `FOR UPDATE`. None is needed: every write transaction
    // starts with BEGIN IMMEDIATE and holds the database's one write lock to commit (queued in
    // this process, busy_timeout across processes), so no other writer runs in between.
    lockForUpdate: (query) => query,
    // Claimers are writers, and writers take turns (BEGIN IMMEDIATE): the next one sees the
    // leases the previous one committed, so nothing needs skipping.
    claimForUpdateSkipLocked: (query) => query,
    // A statement costs no round trip here and writes are group-committed (ADR 012): the
    // repository appends statement by statement.
    appendAuditEntry: async () => undefined,
    insertVersionWithState: async () => false,
    insertVersionLogged: async () => undefined,
    insertEventWithJob: async () => undefined,
    auditAppendStatements: () => [],
    // No cross-process signal: other processes' runners find the jobs at their next poll; this
    // process's runners hear of them from the store.
    announceJobsDue: () => undefined,
    appendOnlyStatements: (table) => [
      ...(['update', 'delete'] as const).map(
        (op) =>
          `create trigger ${table}_no_${op} before ${op} on ${table} ` +
          `begin select raise(abort, '${appendOnlyMessage(table, op.toUpperCase())}'); end`,
      ),
      ...refuseExistingKey(table),
    ],
    dropAppendOnlyStatements: (table) =>
      ['update', 'delete', 'existing_key'].map((op) => `drop trigger if exists ${table}_no_${op}`),
    refuseExistingKeyStatements: refuseExistingKey,
    versionChangeStatements: (table) => {
      const bump = (row: 'new' | 'old') =>
        `insert into version_changes (model, changes) values (${row}.model, 1) ` +
        'on conflict (model) do update set changes = changes + 1;';
      return [
        `create trigger ${table}_count_insert after insert on ${table} begin ${bump('new')} end`,
        `create trigger ${table}_count_update after update on ${table} ` +
          `begin ${bump('old')} ${bump('new')} end`,
        `create trigger ${table}_count_delete after delete on ${table} begin ${bump('old')} end`,
      ];
    },
    dropVersionChangeStatements: (table) =>
      ['insert', 'update', 'delete'].map((op) => `drop trigger if exists ${table}_count_${op}`),
    // Every SQLite integer is 64-bit already.
    wideCounterStatements: () => [],
    // Row triggers (SQLite has no other kind): a statement that changes no row moves nothing.
    identityEpochStatements: (table) =>
      ['insert', 'update', 'delete'].map(
        (op) =>
          `create trigger ${table}_bumps_identity_epoch_${op} after ${op} on ${table} ` +
          'begin update identity_epoch set epoch = epoch + 1 where id = 1; end',
      ),
    dropIdentityEpochStatements: (table) =>
      ['insert', 'update', 'delete'].map(
        (op) => `drop trigger if exists ${table}_bumps_identity_epoch_${op}`,
      ),
    // No replica mode: every trigger fires in every session.
    fireAlwaysStatements: () => [],
    // No search path: a trigger's tables are the database's own.
    searchPathStatements: () => [],
    // No roles: whoever opens the file may write every table.
    ownerRightsStatements: () => [],
    migrationTableSchema: async () => undefined,
    migrationLockStatements: () => [],
    deferredTriggersNowStatements: () => [],
    columnNames: async (db, table) => {
      const { rows } = await sql<{
        name: string;
      }>`select name from pragma_table_info(${table})`.execute(db);
      return rows.map((row) => row.name);
    },
    triggersNotFiringAlways: async () => [],
    triggerFunctionsChanged: async () => [],
    classifyError,
    // better-sqlite3 only says it in the message: "UNIQUE constraint failed: models.name".
    conflictTable: (error) =>
      error instanceof Error
        ? (/constraint failed: (\w+)\./.exec(error.message) ??
            existingKeyRefused.exec(error.message))?.[1]
        : undefined,
    async destroy() {
      closed = true;
      for (const watcher of watchers.splice(0)) watcher.close();
      await reader?.db.destroy();
      await db.destroy();
    },
  };
}

/** What the BEFORE INSERT guard of an append-only table raises (`refuseExistingKey`). */
const existingKeyOperation = 'INSERT of a key it holds';
const existingKeyRefused = new RegExp(`^(\\w+) is append-only: ${existingKeyOperation}`);

/**
 * A BEFORE INSERT trigger that refuses a row whose primary key `table` already holds (with other
 * values in its `derived` columns, where it has some): one probe of the key's index. `INSERT OR
 * REPLACE` would otherwise delete the row in the way without its DELETE trigger firing. Repeatable (`if not exists`), so migration 0024 and 0002/0005 (on a new
 * database) make the same trigger.
 */
function refuseExistingKey(table: string): string[] {
  const guarded = appendOnlyKeys[table];
  if (guarded === undefined) throw new Error(`${table} is not an append-only table with a key`);
  const match = [
    ...guarded.key.map((column) => `${column} = new.${column}`),
    ...(guarded.derived ?? []).map((column) => `${column} is not new.${column}`),
  ].join(' and ');
  return [
    `create trigger if not exists ${table}_no_existing_key before insert on ${table} ` +
      `when exists (select 1 from ${table} where ${match}) ` +
      `begin select raise(abort, '${appendOnlyMessage(table, existingKeyOperation)}'); end`,
  ];
}

function classifyError(error: unknown): StoreErrorKind | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return 'unique_violation';
  }
  // The guard stands in for the key's unique constraint, which would have refused a plain INSERT.
  if (existingKeyRefused.test(error.message)) return 'unique_violation';
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return 'concurrency';
  if (error.message.includes('is append-only')) return 'append_only';
  return undefined;
}
