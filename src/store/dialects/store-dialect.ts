/**
 * What differs between SQLite and PostgreSQL, as behaviour: code outside `dialects/` calls an
 * operation (`lockForUpdate(query)`, `writeTransaction(work)`, …) and never branches on a flag
 * or an engine name.
 */
import type { Insertable, Kysely, SelectQueryBuilder } from 'kysely';
import type { WritePathStats } from '../../app/shared/ports.js';
import type {
  Database,
  JobsTable,
  OutboxTable,
  VersionStatesTable,
  VersionsTable,
} from '../schema.js';
import type { WriteKey } from './group-commit.js';

/** Values the migrations write into DDL. Migrations are never edited, so this keeps its shape. */
export interface DialectCapabilities {
  /** Column type for instants: `timestamptz` on PostgreSQL, RFC 3339 `text` on SQLite. */
  timestampType: 'timestamptz' | 'text';
}

/** How a driver error reads, once classified. */
export type StoreErrorKind = 'unique_violation' | 'concurrency' | 'append_only';

export interface StoreDialect {
  /** For messages and logs only; never branch on it outside `dialects/`. */
  readonly label: string;
  readonly capabilities: DialectCapabilities;
  readonly db: Kysely<Database>;
  /**
   * Runs `work` in one write transaction on one connection: commit on resolve, roll back on
   * throw. SQLite: `BEGIN IMMEDIATE`, one transaction at a time. PostgreSQL: READ COMMITTED.
   * Works asked for while one commits share the next transaction, each in a savepoint of its own
   * (group commit, ADRs 012 and 017): `work`'s throw rolls back its own writes only, and the
   * promise settles after the shared COMMIT. On PostgreSQL every write transaction first takes
   * one advisory lock, so write transactions of all servers queue (ADR 017). `key`: the rows
   * `work` alone acts on (`WriteScope`, ports.ts); on PostgreSQL works of different keys, or of
   * different parts of one key, run side by side in one transaction, and may run twice (ADRs 051,
   * 053). SQLite runs them as any other.
   */
  writeTransaction<T>(work: (trx: Kysely<Database>) => Promise<T>, key?: WriteKey): Promise<T>;
  /** Whether `writeTransaction` runs works of different keys side by side (ADR 051). */
  readonly writesSideBySide: boolean;
  /** What `writeTransaction` has done since the dialect opened: writes, transactions, busy and wait time. */
  writeStats(): WritePathStats;
  /**
   * Runs `work` in one read-only transaction: a consistent snapshot that never waits for a writer
   * and never makes one wait; a write inside fails. SQLite: a second, read-only connection (WAL
   * readers do not block). PostgreSQL: REPEATABLE READ, READ ONLY.
   */
  readTransaction<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * Runs `work`, a read of one statement, outside any transaction: one statement is its own
   * consistent snapshot, so BEGIN and COMMIT would only add round trips (PostgreSQL) or
   * statements (SQLite). SQLite: the read-only connection. PostgreSQL: any pooled connection.
   */
  readStatement<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * A number that differs from every earlier answer once anything has been committed to the
   * database since, by any connection of any process; `undefined` when the engine cannot tell
   * (then a cache must read again). The answer is never older than the call: whatever was
   * committed before the call is counted. SQLite: `PRAGMA data_version` on a connection of its
   * own that never holds a transaction open (inside an open read transaction it would answer for
   * that transaction's snapshot), no round trip. PostgreSQL: the `data_version` row, which every
   * committing write transaction bumps (a deferred trigger on each table, `countCommitsStatements`),
   * read by one primary-key statement shared by every call made before it started (one per turn
   * of the event loop).
   */
  dataVersion(): Promise<number | undefined>;
  /**
   * `dataVersion` and the identity epoch from the same statement (one snapshot), where reading
   * the data version is itself a statement: PostgreSQL, whose every `dataVersion` call shares
   * this read. Absent where the data version costs no statement (SQLite) (ADR 029).
   */
  dataVersionWithEpoch?(): Promise<{ version: number; epoch: number } | undefined>;
  /**
   * Statements that make every commit changing `table` move `dataVersion`: on PostgreSQL a
   * deferred constraint trigger that bumps the `data_version` row once per transaction, at
   * commit, enabled ALWAYS (`fireAlwaysStatements`); on SQLite none (`PRAGMA data_version` counts
   * every commit). A migration that creates a table runs them for it
   * (`test/store/data-version.test.ts` checks every table has it).
   */
  countCommitsStatements(table: string): string[];
  /**
   * Statements that create what `dataVersion` reads and `countCommitsStatements` writes
   * (PostgreSQL: the `data_version` row and the bump function); none on SQLite.
   */
  dataVersionStatements(): string[];
  /**
   * Statements that re-create the bump function of `dataVersionStatements` (migration 0026, ADR
   * 043; PostgreSQL: its source, search path and owner's rights), which tells "bumped already in
   * this transaction" by the `data_version` row's `xmin` rather than by a setting any session
   * may set. Repeatable. SQLite: none.
   */
  countCommitOnceStatements(): string[];
  /** Statements that undo `dataVersionStatements` and every table's trigger, for rewinding migrations. */
  dropDataVersionStatements(): string[];
  /**
   * Runs `work` alone among this process's writers on the same database where a waiting writer
   * would block the process (SQLite); elsewhere runs it directly. Migrations use it.
   */
  runExclusive<T>(work: () => Promise<T>): Promise<T>;
  /**
   * The schema Kysely's migrator keeps its `kysely_migration` tables in: the one the migrations
   * run in (PostgreSQL: `current_schema()`, the first schema of the search path that exists,
   * where unqualified tables, these included, are created). Named, because an unnamed migrator
   * looks for its tables in every schema of the database and then queries them unqualified, so a
   * second Clearance in another schema of the same database would take the first one's for its
   * own. Throws when an unqualified `kysely_migration` resolves to another schema (one earlier
   * in the search path appeared after the migration), rather than migrate an empty registry
   * that every unqualified query would then read. SQLite has no schemas: undefined.
   */
  migrationTableSchema(): Promise<string | undefined>;
  /**
   * Run first in each migration's transaction: PostgreSQL takes the write lock every write
   * transaction opens with (ADR 017), so a running older server's writes queue on it before they
   * hold a table lock a migration's DDL waits for (they would otherwise take tables in another
   * order and deadlock it, 40P01). Transaction-level advisory locks are re-entrant, and Kysely
   * runs the pending migrations in one transaction, so the writes wait for all of them. SQLite's
   * migration transaction already holds its only write lock: none.
   */
  migrationLockStatements(): string[];
  /**
   * Run after a migration's data change: PostgreSQL fires the triggers the change deferred to the
   * commit (the commit counter's, ADR 043) now, since a table with pending trigger events takes
   * no more DDL in the transaction Kysely runs every pending migration in, then defers them again
   * (every deferrable trigger of the schema is initially deferred, so the rest of the transaction
   * runs as before). SQLite defers none.
   */
  deferredTriggersNowStatements(): string[];
  /**
   * The columns `table` has now, read through `db` (a migration's transaction), so that a
   * migration adding a column can run again over its own work: SQLite has no `ADD COLUMN IF NOT
   * EXISTS`. PostgreSQL reads the table of the schema the migrations run in (`current_schema()`).
   */
  columnNames(db: Kysely<unknown>, table: string): Promise<string[]>;
  /**
   * `query`, made to hold its rows until the write transaction ends, so that a second writer
   * asking for the same rows waits and then reads what the first committed. PostgreSQL adds
   * `FOR UPDATE`; SQLite returns the query unchanged (its write transaction already serialises).
   * `of`: the one table (alias) of a join whose rows are locked; the others are only read.
   */
  lockForUpdate<TB extends keyof Database, O>(
    query: SelectQueryBuilder<Database, TB, O>,
    of?: TB,
  ): SelectQueryBuilder<Database, TB, O>;
  /**
   * `query`, made to claim its rows for this write transaction without waiting for rows another
   * transaction is claiming: a work queue's "next due rows" read, so concurrent claimers each get
   * different rows. PostgreSQL adds `FOR UPDATE SKIP LOCKED`; SQLite returns the query unchanged
   * (its write transaction holds the database's one write lock, so no claimer runs in between).
   */
  claimForUpdateSkipLocked<TB extends keyof Database, O>(
    query: SelectQueryBuilder<Database, TB, O>,
  ): SelectQueryBuilder<Database, TB, O>;
  /**
   * Appends one audit entry in one statement where the engine can hash (PostgreSQL: a function,
   * ADR 016): locks the log head, places the next seq in the entry's text, and writes the entry,
   * its model row, the tree nodes its leaf completes and the new size. `undefined`, having written
   * nothing, tells the repository to append statement by statement: always on SQLite (its writes
   * are group-committed and a statement costs no round trip), and on PostgreSQL when the head or
   * a tree node the leaf needs is missing.
   */
  appendAuditEntry(
    db: Kysely<Database>,
    row: AuditAppendRow,
  ): Promise<AppendedAuditEntry | undefined>;
  /**
   * Inserts a version and its first state row in one statement where a statement costs a round
   * trip (PostgreSQL: a data-modifying WITH), answering true; false, having written nothing,
   * tells the repository to insert them one by one (SQLite, where a statement costs none). A
   * duplicate version fails as the plain insert would (a unique violation on `versions`).
   */
  insertVersionWithState(
    db: Kysely<Database>,
    rows: { version: Insertable<VersionsTable>; state: Insertable<VersionStatesTable> },
  ): Promise<boolean>;
  /**
   * `insertVersionWithState` and `appendAuditEntry` in one statement where a statement costs a
   * round trip (PostgreSQL: a data-modifying WITH around the append function, ADR 026). Answers
   * what the append answered, beside the version and state it inserted (`entry` undefined: the
   * repository appends statement by statement, after the version as before); `undefined`, having
   * written nothing, tells the repository to write them one by one (SQLite). A duplicate version
   * fails as the plain insert would (a unique violation on `versions`), with nothing kept.
   */
  insertVersionLogged(
    db: Kysely<Database>,
    rows: {
      version: Insertable<VersionsTable>;
      state: Insertable<VersionStatesTable>;
      entry: AuditAppendRow;
    },
  ): Promise<{ entry: AppendedAuditEntry | undefined } | undefined>;
  /**
   * An outbox event and its dispatch job in one statement where a statement costs a round trip
   * (PostgreSQL: a data-modifying WITH, ADR 042), answering whether the job was inserted (false:
   * an unfinished job holds its key, and the event alone was written, as the job insert's ON
   * CONFLICT DO NOTHING would have it); `undefined`, having written nothing, tells the repository
   * to write them one by one (SQLite). A duplicate event fails as the plain insert would (a unique
   * violation on `outbox`), with nothing kept.
   */
  insertEventWithJob(
    db: Kysely<Database>,
    rows: { event: Insertable<OutboxTable>; job: Insertable<JobsTable> },
  ): Promise<boolean | undefined>;
  /**
   * DDL that `appendAuditEntry` needs (migration 0016; on a fresh database also the search path
   * that 0025 gives an upgraded one, `ownerRightsStatements`); none on SQLite.
   */
  auditAppendStatements(): string[];
  /**
   * SQL statements that make `table` refuse UPDATE and DELETE (and TRUNCATE where it exists), and
   * on SQLite an INSERT of a key it holds (`refuseExistingKeyStatements`).
   */
  appendOnlyStatements(table: string): string[];
  /** Statements that drop the append-only triggers again, for tamper tests and repairs. */
  dropAppendOnlyStatements(table: string): string[];
  /**
   * Statements that make the append-only `table` refuse an INSERT whose key it already holds
   * (migration 0024): SQLite's `INSERT OR REPLACE` and `REPLACE INTO` delete the row in the way
   * without firing its DELETE trigger (`recursive_triggers` is off in every connection that does
   * not turn it on), and so rewrote an entry. SQLite: a BEFORE INSERT trigger probing the primary
   * key (`create trigger if not exists`, repeatable); its refusal reads, to the service, as the
   * unique violation the insert would have met. PostgreSQL: none (no REPLACE; `ON CONFLICT DO
   * UPDATE` fires the UPDATE trigger).
   */
  refuseExistingKeyStatements(table: string): string[];
  /**
   * Triggers that add to `version_changes.changes` of a row's `model` whenever a row of `table`
   * is inserted, updated or deleted, in the changing statement's transaction: the per-model
   * change counter cached version pages are filed under (ADR 015). In the database, so a
   * hand-written statement counts too.
   */
  versionChangeStatements(table: string): string[];
  /** Statements that drop `versionChangeStatements`' triggers again, for rewinding migrations. */
  dropVersionChangeStatements(table: string): string[];
  /**
   * Statements that make an integer column hold 64-bit values: a counter that may pass 2³¹.
   * SQLite: none (its integers are 64-bit). PostgreSQL: `integer` widened to `bigint`.
   */
  wideCounterStatements(table: string, column: string): string[];
  /**
   * Triggers that bump the identity epoch (`identity_epoch.epoch`) whenever a row of `table` is
   * inserted, updated or deleted, in the changing statement's transaction (ADR 023): the principal
   * cache is filed under the epoch, so a token revoked or a role removed by a hand-written
   * statement, a restore or another tool takes effect for the next request too.
   */
  identityEpochStatements(table: string): string[];
  /** Statements that drop `identityEpochStatements`' triggers again, for rewinding migrations. */
  dropIdentityEpochStatements(table: string): string[];
  /**
   * Statements that make every trigger Clearance created fire in every session, also one with
   * `session_replication_role = replica` (PostgreSQL: `ENABLE ALWAYS`, by the trigger's function,
   * so repeatable; migration 0020, ADR 027): otherwise such a session gets past the append-only
   * triggers and moves neither the data version, the identity epoch nor the version change
   * counts, and every cache keeps what it changed. Run again after re-creating a trigger (a repair
   * or a tamper test). SQLite has no such mode: none.
   */
  fireAlwaysStatements(): string[];
  /**
   * Statements that fix the search path of every trigger function of Clearance's to the schema
   * the migrations run in, then `pg_temp` (PostgreSQL: `ALTER FUNCTION … SET search_path`;
   * migrations 0021 and 0023, ADR 027): a trigger enabled ALWAYS fires in a logical replication
   * apply worker too, whose `search_path` is empty, and must still find its tables; and a
   * temporary table of the same name must not stand in for them (`pg_temp`, unless named, is
   * searched first). SQLite has no search path: none.
   */
  searchPathStatements(): string[];
  /**
   * Statements that let the runtime role only read the counters the caches trust (migration 0025,
   * ADR 036). PostgreSQL: the trigger functions that move `data_version`, `version_changes` and
   * `identity_epoch` run with their owner's rights (`SECURITY DEFINER`; the role that ran the
   * migrations, or the runtime role itself when it owns the schema), and EXECUTE on them is taken
   * from PUBLIC, so no other role attaches them to a table of its own; and the audit append
   * function gets the trigger functions' search path (its schema, then `pg_temp`). Repeatable.
   * SQLite has no roles: none.
   */
  ownerRightsStatements(): string[];
  /**
   * The triggers of ours in the schema that are not enabled ALWAYS, by table (PostgreSQL; `ALTER
   * TABLE … ENABLE TRIGGER ALL`, as a data-only restore with `--disable-triggers` runs, puts them
   * back to the ordinary mode without a word). SQLite: none.
   */
  triggersNotFiringAlways(): Promise<TriggersOfTable[]>;
  /**
   * Clearance's trigger functions whose source in the database is not what the migrations create,
   * or that are missing (PostgreSQL: `pg_proc.prosrc` of the schema's functions; the owner of the
   * tables can `CREATE OR REPLACE` one, e.g. `clearance_refuse_change` to let every change
   * through), or whose rights or search path are not (`prosecdef`, `proconfig`: a `create or
   * replace` of the same source clears both). SQLite: none (its triggers have no separate function).
   */
  triggerFunctionsChanged(): Promise<string[]>;
  /**
   * Called after a write transaction that made a job due now committed: tells runners in other
   * processes, without making the caller wait. PostgreSQL: `pg_notify` on `clearance_jobs_due`
   * in a statement of its own (inside the transaction it would hold PostgreSQL's one NOTIFY lock
   * through the COMMIT's flush, one committer at a time), calls that come while one is on its way
   * folded into one more. SQLite: nothing (other processes poll).
   */
  announceJobsDue(): void;
  /**
   * Calls `listener` when another connection announced due jobs (`announceJobsDue`), until the
   * returned function is called. PostgreSQL: a connection of its own that LISTENs, and connects
   * again if it drops. SQLite: undefined (it has no cross-process signal).
   */
  watchJobsDue?(listener: () => void): Promise<() => Promise<void>>;
  classifyError(error: unknown): StoreErrorKind | undefined;
  /** The table a unique violation happened in, for a message in our words (never the driver's). */
  conflictTable(error: unknown): string | undefined;
  destroy(): Promise<void>;
}

/** An audit entry as `appendAuditEntry` writes it: its text split where the seq goes, its columns. */
export interface AuditAppendRow {
  textBeforeSeq: string;
  textAfterSeq: string;
  time: string;
  action: string;
  subjectType: string;
  subjectId: string;
  actorId: string;
  /** The model the entry is about (`audit_entry_models`), or null. */
  model: string | null;
}

/** The seq `appendAuditEntry` gave the entry and the leaf hash the engine computed, in hex. */
export interface AppendedAuditEntry {
  seq: number;
  leafHash: string;
}

/** Message every append-only trigger raises; tests and docs match on "is append-only". */
export function appendOnlyMessage(table: string, operation: string): string {
  return `${table} is append-only: ${operation} is refused`;
}

/** Triggers of one table, by name. */
export interface TriggersOfTable {
  table: string;
  triggers: string[];
}
