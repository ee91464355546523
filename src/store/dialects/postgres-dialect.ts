import {
  AbortedTransactionError,
  CompiledQuery,
  type Insertable,
  Kysely,
  PostgresDialect,
  sql,
} from 'kysely';
import pg from 'pg';
import { preparedQuery } from '../prepared-query.js';
import type { Database, VersionsTable } from '../schema.js';
import { checkedDialect } from './checked-dialect.js';
import { groupCommitting, type WriteSession } from './group-commit.js';
import { nextReadShared } from './next-read.js';
import {
  appendAuditEntryPostgres,
  auditAppendFunction,
  insertVersionLoggedPostgres,
} from './postgres-audit-append.js';
import { insertEventWithJobPostgres } from './postgres-event-with-job.js';
import {
  counterFunctions,
  isAsMigrated,
  ownerRights,
  pinAuditAppendSearchPath,
  type StoredFunction,
} from './postgres-function-rights.js';
import { namingStatements, StaleStatementError } from './postgres-named-statements.js';
import { pipelinedWrites } from './postgres-pipelined-writes.js';
import { appendOnlyMessage, type StoreDialect, type StoreErrorKind } from './store-dialect.js';

export interface PostgresOptions {
  /** `postgres://user@host:5432/database` */
  url: string;
  /** Connections in the pool; default 10. */
  poolSize?: number;
  /** How long a write waits for its turn before it fails (group-commit.ts); default 30 s. */
  writeWaitLimitMs?: number;
}

/**
 * Works per group-committed transaction (ADR 017). Each work runs in a savepoint, and every
 * savepoint that writes takes a subtransaction id; past 64 in one transaction PostgreSQL's
 * per-backend cache of them overflows, and every other backend's snapshot checks then look
 * subtransactions up in `pg_subtrans`. 48 leaves room for a work that opens savepoints of its own.
 */
const maxBatchPostgres = 48;

/**
 * Taken first by every write transaction, held to its end: the database's one write lock, so
 * that write transactions of every server queue before they hold anything. A batch holds the
 * locks of all its works (`audit_head` from its first append) while a later work asks for rows,
 * so two servers' batches, or a batch and a lone write, would otherwise wait for each other and
 * deadlock (ADR 017). Transaction-level advisory lock: released by COMMIT or ROLLBACK, by a
 * dropped connection too. The key is arbitrary and only ours.
 */
const takeWriteLock = 'select pg_advisory_xact_lock(7358214620151730017)';

/**
 * A write transaction's opening: BEGIN and the write lock, without parameters and so sent as one
 * simple query; a batch's first savepoint is appended to the same text (ADR 029). On the
 * pipelined write connections it is not waited for (ADR 049, session 22).
 */
const startWrite = `start transaction isolation level read committed; ${takeWriteLock}`;
const startWriteAlone = CompiledQuery.raw(startWrite);
const commitWrite = CompiledQuery.raw('commit');
const rollbackWrite = CompiledQuery.raw('rollback');

/**
 * A version and its first state in one statement (a data-modifying WITH), compiled once: a
 * round trip fewer per create.
 */
const insertVersionWithFirstState = preparedQuery(
  (
    db,
    p: Insertable<VersionsTable> & { state: string; request_id: string | null; since: string },
  ) => {
    const { state, request_id, since, ...version } = p;
    return db
      .with('v', (w) => w.insertInto('versions').values(version).returning(['model', 'version']))
      .insertInto('version_states')
      .columns(['model', 'version', 'state', 'request_id', 'since'])
      .expression((eb) =>
        eb.selectFrom('v').select([
          'v.model',
          'v.version',
          // Typed: in a SELECT list PostgreSQL would take an untyped parameter for text.
          sql<string>`cast(${state} as text)`.as('state'),
          sql<string | null>`cast(${request_id} as text)`.as('request_id'),
          sql<string>`cast(${since} as timestamptz)`.as('since'),
        ]),
      );
  },
);

/**
 * PostgreSQL through a pg Pool. Transactions run at READ COMMITTED; correctness under concurrency
 * comes from row locks (`FOR UPDATE` on models and requests, the `audit_head` row) and unique
 * indexes, so several servers can share one database without in-process locks. Writes are
 * group-committed (ADR 017): concurrent writes of a process share one transaction, a savepoint
 * each, and write transactions of all processes queue on one advisory lock (`takeWriteLock`).
 */
export function postgresDialect(options: PostgresOptions): StoreDialect {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
  // An idle pooled connection can be closed by the server (restart, failover, an administrator
  // ending it). pg reports that as an 'error' event; unhandled, it would crash the process. The
  // pool has already discarded the client and opens a new one on next use, so there is nothing
  // else to do; queries in flight still fail and surface through their own promises.
  pool.on('error', () => undefined);
  // A checked-out connection has no pool listener: pg-pool takes its own off while a client is
  // lent. One of ours on every client for its life keeps a backend that dies mid-work (restart,
  // failover, `pg_terminate_backend`) from crashing the process; the work's query fails through
  // its promise, and the pool discards the broken client on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({
    dialect: checkedDialect(new PostgresDialect({ pool: namingStatements(pool) })),
  });
  const writes = pipelinedWrites(options.url);
  // One statement reading the `data_version` row and the identity epoch (two primary-key
  // lookups, one snapshot), shared by the calls of one event-loop turn (ADR 029).
  let closed = false;
  const readVersion = nextReadShared(async () => {
    const result = await pool.query<[string, string]>(readDataVersion);
    const row = result.rows[0];
    return row === undefined ? undefined : { version: Number(row[0]), epoch: Number(row[1]) };
  });
  const dataVersion = async () => (closed ? undefined : (await readVersion())?.version);
  const dataVersionWithEpoch = () => (closed ? Promise.resolve(undefined) : readVersion());
  const announcer = jobsDueAnnouncer(db);

  /**
   * One write transaction on a connection of its own, its BEGIN, write lock and (for a batch) first
   * savepoint sent as one text. As Kysely's `transaction()` would: a throw rolls back, and a COMMIT
   * PostgreSQL answered with ROLLBACK (a statement failed and the work swallowed the error) is an
   * `AbortedTransactionError`, never a success. A ROLLBACK after an opening that failed part-way
   * (BEGIN ran, the lock did not) ends the half-open transaction; outside one it only warns. A
   * connection that broke is dropped by the pool on release (`pg-pool` checks `_queryable`).
   */
  function writeTransaction<T>(
    work: (trx: Kysely<Database>, session?: WriteSession) => Promise<T>,
    savepoint?: CompiledQuery,
  ): Promise<T> {
    const opening =
      savepoint === undefined
        ? startWriteAlone
        : CompiledQuery.raw(`${startWrite}; ${savepoint.sql}`);
    return writes.withConnection(async (conn, session) => {
      let result: T;
      // The opening is sent and not waited for: the work's first statements go out behind it, one
      // round trip fewer per transaction (the server still runs them after it, once the write lock
      // is held). Should it fail, every statement behind it is refused by the aborted transaction
      // and reports its error (postgres-named-statements.ts); it is waited for before COMMIT, so a
      // work that sent nothing, or caught every refusal, cannot commit without it.
      const opened = conn.executeQuery(opening);
      opened.catch(() => undefined);
      try {
        result = await work(conn, session);
        await opened;
      } catch (error) {
        await conn.executeQuery(rollbackWrite).catch(() => undefined);
        // Nothing behind a failed opening ran: its error (a lock timeout: a conflict to retry) is
        // every caller's, not what it did to the works (a savepoint never made, a refusal). The
        // ROLLBACK went out behind the opening, so the opening has been answered by now.
        const failedOpening = await opened.then(
          () => undefined,
          (openingError: unknown) => ({ openingError }),
        );
        throw failedOpening === undefined ? error : failedOpening.openingError;
      }
      let answer: { command?: string } | undefined;
      try {
        answer = (await conn.executeQuery<{ command?: string }>(commitWrite)).rows[0];
      } catch (error) {
        // A failed COMMIT has ended the transaction; the ROLLBACK only makes sure of it.
        await conn.executeQuery(rollbackWrite).catch(() => undefined);
        throw error;
      }
      if (answer?.command === 'ROLLBACK') throw new AbortedTransactionError();
      return result;
    });
  }
  const grouped = groupCommitting(writeTransaction, {
    batchLimit: maxBatchPostgres,
    joinsStatements: true,
    sideBySide: true,
    ...(options.writeWaitLimitMs === undefined ? {} : { waitLimitMs: options.writeWaitLimitMs }),
  });
  return {
    label: 'PostgreSQL',
    capabilities: { timestampType: 'timestamptz' },
    db,
    writeTransaction: grouped,
    writesSideBySide: true,
    writeStats: grouped.stats,
    readTransaction: (work) =>
      db
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute((trx) => work(trx)),
    readStatement: (work) => work(db),
    dataVersion,
    dataVersionWithEpoch,
    countCommitsStatements: (table) => [
      `create constraint trigger ${table}_counts_commits after insert or update or delete ` +
        `on ${table} deferrable initially deferred for each row execute function clearance_count_commit()`,
      `create trigger ${table}_truncate_counts after truncate on ${table} ` +
        'for each statement execute function clearance_count_commit()',
      `alter table ${table} enable always trigger ${table}_counts_commits`,
      `alter table ${table} enable always trigger ${table}_truncate_counts`,
    ],
    dataVersionStatements: () => [
      'create table data_version (id integer primary key, version bigint not null)',
      'insert into data_version (id, version) values (1, 0)',
      ...countCommitFunctionStatements,
      countCommitsOnEveryTable,
    ],
    countCommitOnceStatements: () => [...countCommitFunctionStatements],
    dropDataVersionStatements: () => [
      dropCountCommitsOnEveryTable,
      'drop table data_version',
      'drop function clearance_count_commit()',
    ],
    // Several processes share one database; locks in the database do the serialising.
    runExclusive: (work) => work(),
    // A row lock, held to commit: writers of other rows go on, writers of these rows queue.
    lockForUpdate: (query, of) => (of === undefined ? query.forUpdate() : query.forUpdate(of)),
    // Rows another claimer holds are passed over, not waited for: each due job goes to one worker.
    claimForUpdateSkipLocked: (query) => query.forUpdate().skipLocked(),
    appendAuditEntry: appendAuditEntryPostgres,
    async insertVersionWithState(trx, rows) {
      const { model, version, ...state } = rows.state;
      await insertVersionWithFirstState(trx, {
        ...rows.version,
        state: state.state,
        request_id: state.request_id ?? null,
        since: state.since,
      });
      return true;
    },
    insertVersionLogged: insertVersionLoggedPostgres,
    insertEventWithJob: insertEventWithJobPostgres,
    auditAppendStatements: () => [auditAppendFunction, pinAuditAppendSearchPath],
    announceJobsDue: () => announcer(),
    watchJobsDue: (listener) => listenForJobs(options.url, listener),
    appendOnlyStatements: (table) => [
      refuseChangeFunction,
      pinSearchPath('clearance_refuse_change'),
      `create trigger ${table}_append_only before update or delete on ${table} ` +
        'for each row execute function clearance_refuse_change()',
      `create trigger ${table}_no_truncate before truncate on ${table} ` +
        'for each statement execute function clearance_refuse_change()',
    ],
    refuseExistingKeyStatements: () => [],
    dropAppendOnlyStatements: (table) => [
      `drop trigger if exists ${table}_append_only on ${table}`,
      `drop trigger if exists ${table}_no_truncate on ${table}`,
    ],
    versionChangeStatements: (table) => [
      countVersionChangeFunction,
      pinSearchPath('clearance_count_version_change'),
      ownerRights('clearance_count_version_change'),
      `create trigger ${table}_count_change after insert or update or delete on ${table} ` +
        'for each row execute function clearance_count_version_change()',
      `create trigger ${table}_count_truncate after truncate on ${table} ` +
        'for each statement execute function clearance_count_version_change()',
    ],
    dropVersionChangeStatements: (table) => [
      `drop trigger if exists ${table}_count_change on ${table}`,
      `drop trigger if exists ${table}_count_truncate on ${table}`,
    ],
    // Repeatable: a column that is bigint already is left as it is.
    wideCounterStatements: (table, column) => [
      `alter table ${table} alter column ${column} type bigint`,
    ],
    // Row triggers, as on SQLite: a statement that changes no row moves nothing. TRUNCATE has
    // statement triggers only.
    identityEpochStatements: (table) => [
      bumpIdentityEpochFunction,
      pinSearchPath('clearance_bump_identity_epoch'),
      ownerRights('clearance_bump_identity_epoch'),
      `create trigger ${table}_bumps_identity_epoch after insert or update or delete on ${table} ` +
        'for each row execute function clearance_bump_identity_epoch()',
      `create trigger ${table}_truncate_bumps_identity_epoch after truncate on ${table} ` +
        'for each statement execute function clearance_bump_identity_epoch()',
    ],
    dropIdentityEpochStatements: (table) => [
      `drop trigger if exists ${table}_bumps_identity_epoch on ${table}`,
      `drop trigger if exists ${table}_truncate_bumps_identity_epoch on ${table}`,
    ],
    fireAlwaysStatements: () => [fireAlwaysEveryTrigger],
    searchPathStatements: () => triggerFunctions.map(pinSearchPath),
    ownerRightsStatements: () => [...counterFunctions.map(ownerRights), pinAuditAppendSearchPath],
    migrationLockStatements: () => [takeWriteLock],
    deferredTriggersNowStatements: () => [
      'set constraints all immediate',
      'set constraints all deferred',
    ],
    columnNames: async (db, table) => {
      const { rows } = await sql<{ column_name: string }>`
        select column_name from information_schema.columns
          where table_schema = current_schema() and table_name = ${table}`.execute(db);
      return rows.map((row) => row.column_name);
    },
    async migrationTableSchema() {
      // Where an unqualified `kysely_migration` resolves is where the queries find the registry:
      // a schema earlier in the search path that appeared later (`"$user"`) must not get a fresh,
      // empty one that every unqualified query then reads instead. A search path chosen on
      // purpose (in the URL, for the role or the database) that puts another schema first is a
      // second Clearance in that schema, and migrates there.
      const { rows } = await sql<{
        current: string | null;
        found: string | null;
        user: string;
        source: string | null;
      }>`
        select current_schema() as current, current_user as user,
          (select source from pg_settings where name = 'search_path') as source,
          (select n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where c.oid = to_regclass('kysely_migration')) as found`.execute(db);
      const row = rows[0];
      const current = row?.current ?? undefined;
      const found = row?.found ?? undefined;
      if (found === undefined || found === current) return current;
      const byDefault = row?.source === 'default' || row?.source === 'configuration file';
      if (!byDefault && current !== row?.user) return current;
      throw new Error(
        `Clearance's tables are in schema "${found}", but the connection's current schema is ` +
          `"${current ?? '(none)'}" (the first of the default search_path that exists, such as a ` +
          `schema named after the role), where migrations would create a second, empty registry. ` +
          `Set the search path in the database URL to the schema that holds this Clearance's ` +
          `tables (for "${found}": ?options=-c%20search_path%3D${found}); for a new Clearance in ` +
          `"${current ?? ''}", set its search path explicitly in the URL the same way.`,
      );
    },
    async triggersNotFiringAlways() {
      const { rows } = await sql<{ table: string; triggers: string[] }>`
        select c.relname as table, array_agg(g.tgname::text order by g.tgname) as triggers
        from pg_trigger g join pg_class c on c.oid = g.tgrelid join pg_proc p on p.oid = g.tgfoid
        where c.relnamespace = (select oid from pg_namespace where nspname = current_schema())
          and not g.tgisinternal and g.tgenabled <> 'A' and p.proname in (${sql.join(triggerFunctions)})
        group by c.relname order by c.relname`.execute(db);
      return rows;
    },
    async triggerFunctionsChanged() {
      const { rows } = await sql<StoredFunction>`
        select proname as name, prosrc as source, prosecdef as definer,
          coalesce(proconfig = array[format('search_path=%I, pg_temp', current_schema())], false)
            as pinned
        from pg_proc
        where pronamespace = (select oid from pg_namespace where nspname = current_schema())
          and proname in (${sql.join(triggerFunctions)}) and pronargs = 0`.execute(db);
      const found = new Map(rows.map((row) => [row.name, row]));
      return triggerFunctions.filter(
        (name) => !isAsMigrated(found.get(name), triggerFunctionSources[name] ?? ''),
      );
    },
    classifyError,
    conflictTable: (error) => {
      const table = (error as { table?: unknown } | null)?.table;
      return typeof table === 'string' ? table : undefined;
    },
    destroy: async () => {
      closed = true;
      await Promise.all([writes.destroy(), db.destroy()]);
    },
  };
}

/**
 * Adds to the change counter of the model of each row changed (both rows of an UPDATE); a
 * TRUNCATE adds to every model's, a row made for a model without one. `create or replace`, so repeatable.
 */
const countVersionChangeFunction = `create or replace function clearance_count_version_change()
returns trigger language plpgsql as $$
begin
  if tg_op = 'TRUNCATE' then
    -- Every model's count, models without a row yet (versions from before migration 0017) too.
    insert into version_changes (model, changes) select name, 1 from models
      on conflict (model) do update set changes = version_changes.changes + 1;
    return null;
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    insert into version_changes (model, changes) values (old.model, 1)
      on conflict (model) do update set changes = version_changes.changes + 1;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into version_changes (model, changes) values (new.model, 1)
      on conflict (model) do update set changes = version_changes.changes + 1;
  end if;
  return null;
end;
$$`;

/**
 * The identity epoch's bump, run in the changing statement's transaction, so a server checking the
 * epoch sees the change and the new epoch together. `create or replace`, so repeatable.
 */
const bumpIdentityEpochFunction = `create or replace function clearance_bump_identity_epoch()
returns trigger language plpgsql as $$
begin
  update identity_epoch set epoch = epoch + 1 where id = 1;
  return null;
end;
$$`;

/**
 * Prepared once per connection by name: the data version and the identity epoch, a primary-key
 * read of one row each, in one statement and so from one snapshot.
 */
const readDataVersion = {
  name: 'clearance_data_version_epoch',
  text:
    'select d.version, e.epoch from data_version d cross join identity_epoch e ' +
    'where d.id = 1 and e.id = 1',
  rowMode: 'array',
} as const;

/**
 * The bump, run by each table's deferred trigger at commit: once per transaction, so a
 * transaction writing many rows bumps once, and the row lock on `data_version` is held only from
 * its commit's start to its end, never across the work of the transaction. The new value and the
 * transaction's rows become visible together. "Once" is told by the row itself (ADR 043): after
 * the bump the row version this transaction sees is its own, its `xmin` the transaction's id, a
 * mark only a writer of `data_version` can make (the runtime role may only read it, ADR 036). A
 * session setting, which marked it before, any session could set first and keep its commit from
 * being counted. Each further row of the transaction costs a primary-key read that updates
 * nothing. A bump fired inside a savepoint (`SET CONSTRAINTS … IMMEDIATE` there) has the
 * savepoint's id as its `xmin` and counts again: more bumps, never fewer.
 */
const countCommitFunction = `create or replace function clearance_count_commit()
returns trigger language plpgsql as $$
begin
  update data_version set version = version + 1
    where id = 1 and xmin <> pg_current_xact_id()::xid;
  return null;
end;
$$`;

/**
 * The bump function with the search path and the owner's rights every `create or replace` of it
 * needs again (migrations 0018 and 0026). Repeatable.
 */
const countCommitFunctionStatements = [
  countCommitFunction,
  pinSearchPath('clearance_count_commit'),
  ownerRights('clearance_count_commit'),
];

/** \`countCommitsStatements\` for every table there is (but Kysely's own and the counter). */
const countCommitsOnEveryTable = `do $$
declare t text;
begin
  for t in
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'
      and table_name not like 'kysely\\_%' and table_name <> 'data_version'
  loop
    execute format('create constraint trigger %I after insert or update or delete on %I '
      || 'deferrable initially deferred for each row execute function clearance_count_commit()',
      t || '_counts_commits', t);
    execute format('create trigger %I after truncate on %I '
      || 'for each statement execute function clearance_count_commit()',
      t || '_truncate_counts', t);
  end loop;
end;
$$`;
/** The LISTEN/NOTIFY channel of due jobs: a wake-up, so runners need not wait for their poll. */
const jobsDueChannel = 'clearance_jobs_due';
/**
 * NOTIFYs after the commit, in the background: one at a time, and the calls that arrive while
 * one is on its way make one more. A NOTIFY that fails is a missed wake-up; the poll finds the job.
 */
function jobsDueAnnouncer(db: Kysely<Database>): () => void {
  let sending = false;
  let again = false;
  return () => {
    if (sending) {
      again = true;
      return;
    }
    sending = true;
    void (async () => {
      try {
        do {
          again = false;
          await sql`select pg_notify(${jobsDueChannel}, '')`.execute(db);
        } while (again);
      } catch {
        // The database briefly away: the runners' polls find the jobs.
      } finally {
        sending = false;
      }
    })();
  };
}

/** How long a dropped listening connection waits before it connects again. */
const relistenMs = 1_000;

/**
 * LISTENs on its own connection (a pooled one would be handed to others). A wake-up only: if the
 * connection drops, notifications are missed until it is back, and the runner's poll finds the
 * jobs meanwhile.
 */
async function listenForJobs(url: string, listener: () => void): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: url });
    let dropped = false;
    const drop = () => {
      if (dropped) return;
      dropped = true;
      if (client === next) client = undefined;
      void next.end().catch(() => undefined);
      if (!closed) retry = setTimeout(() => void connect(), relistenMs).unref();
    };
    next.on('error', drop);
    next.on('end', drop);
    next.on('notification', (message) => {
      if (message.channel === jobsDueChannel) listener();
    });
    client = next;
    try {
      await next.connect();
      await next.query(`listen ${jobsDueChannel}`);
    } catch {
      return drop();
    }
    // Jobs that became due while no connection listened are found by a claim now.
    listener();
  }
  await connect();
  return async () => {
    closed = true;
    clearTimeout(retry);
    const last = client;
    client = undefined;
    await last?.end().catch(() => undefined);
  };
}

/** Drops every table's `countCommitsStatements` triggers again. */
const dropCountCommitsOnEveryTable = `do $$
declare t record;
begin
  for t in
    select tgname, tgrelid::regclass::text as rel from pg_trigger
    where (tgname like '%\\_counts\\_commits' or tgname like '%\\_truncate\\_counts')
      and tgrelid in (select oid from pg_class where relnamespace =
        (select oid from pg_namespace where nspname = current_schema()))
  loop
    execute format('drop trigger %I on %s', t.tgname, t.rel);
  end loop;
end;
$$`;

/**
 * `ENABLE ALWAYS` for every trigger that runs one of Clearance's trigger functions, on any table
 * of the schema: a session with `session_replication_role = replica` fires those too. Repeatable.
 */
const fireAlwaysEveryTrigger = `do $$
declare t record;
begin
  for t in
    select g.tgname, g.tgrelid::regclass::text as rel from pg_trigger g
    join pg_class c on c.oid = g.tgrelid
    join pg_proc p on p.oid = g.tgfoid
    where c.relnamespace = (select oid from pg_namespace where nspname = current_schema())
      and not g.tgisinternal and g.tgenabled <> 'A'
      and p.proname in ('clearance_refuse_change', 'clearance_count_commit',
        'clearance_count_version_change', 'clearance_bump_identity_epoch')
  loop
    execute format('alter table %s enable always trigger %I', t.rel, t.tgname);
  end loop;
end;
$$`;

/**
 * Fixes the search path of a trigger function (a function without arguments) of the current
 * schema to that schema, then `pg_temp`: the function then finds its tables in a session whose
 * search path does not name them, such as a logical replication apply worker (`search_path =
 * ''`), and never a temporary table of the same name, which PostgreSQL would otherwise search
 * first (migration 0023). Follows every `create or replace` of the function, which clears the
 * setting. Repeatable.
 */
function pinSearchPath(name: string): string {
  return `do $$
begin
  execute format('alter function %I.%I() set search_path = %I, pg_temp', current_schema(),
    '${name}', current_schema());
end;
$$`;
}

/** The trigger function every append-only table uses; `create or replace`, so repeatable. */
const refuseChangeFunction = `create or replace function clearance_refuse_change()
returns trigger language plpgsql as $$
begin
  raise exception '${appendOnlyMessage('%', '%')}', tg_table_name, tg_op;
end;
$$`;

function classifyError(error: unknown): StoreErrorKind | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (code === '23505') return 'unique_violation';
  if (code === '40001' || code === '40P01' || code === '55P03') return 'concurrency';
  // A table changed shape under a named statement (a rolling upgrade's migration): run again,
  // the work succeeds, as after a serialisation failure.
  if (error instanceof StaleStatementError) return 'concurrency';
  if (error.message.includes('is append-only')) return 'append_only';
  return undefined;
}

/** Clearance's trigger functions (ADR 027). */
const triggerFunctions = [
  'clearance_refuse_change',
  'clearance_count_commit',
  'clearance_count_version_change',
  'clearance_bump_identity_epoch',
];

/** What `pg_proc.prosrc` holds for a function created by `statement`: the text between its `$$`. */
function bodyOf(statement: string): string {
  return statement.slice(statement.indexOf('$$') + 2, statement.lastIndexOf('$$'));
}

/** Each trigger function's source as the migrations create it, by name. */
const triggerFunctionSources: Readonly<Record<string, string>> = {
  clearance_refuse_change: bodyOf(refuseChangeFunction),
  clearance_count_commit: bodyOf(countCommitFunction),
  clearance_count_version_change: bodyOf(countVersionChangeFunction),
  clearance_bump_identity_epoch: bodyOf(bumpIdentityEpochFunction),
};
