import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.js';
import { appendOnlyMessage, type StoreDialect, type StoreErrorKind } from './store-dialect.js';

export interface PostgresOptions {
  /** `postgres://user@host:5432/database` */
  url: string;
  /** Connections in the pool; default 10. */
  poolSize?: number;
}

/**
 * PostgreSQL through a pg Pool. Transactions run at READ COMMITTED; correctness under concurrency
 * comes from row locks (`FOR UPDATE` on models and requests, the `audit_head` row) and unique
 * indexes, so several servers can share one database without in-process locks.
 */
export function postgresDialect(options: PostgresOptions): StoreDialect {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
  // An idle pooled connection can be closed by the server (restart, failover, an administrator
  // ending it). pg reports that as an 'error' event; unhandled, it would crash the process. The
  // pool has already discarded the client and opens a new one on next use, so there is nothing
  // else to do; queries in flight still fail and surface through their own promises.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const announcer = jobsDueAnnouncer(db);
  return {
    label: 'PostgreSQL',
    capabilities: { timestampType: 'timestamptz' },
    db,
    writeTransaction: (work) =>
      db
        .transaction()
        .setIsolationLevel('read committed')
        .execute((trx) => work(trx)),
    readTransaction: (work) =>
      db
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute((trx) => work(trx)),
    readStatement: (work) => work(db),
    // Knowing needs a round trip to the server: no cheaper than the read it would spare.
    dataVersion: () => undefined,
    // Several processes share one database; locks in the database do the serialising.
    runExclusive: (work) => work(),
    // A row lock, held to commit: writers of other rows go on, writers of these rows queue.
    lockForUpdate: (query) => query.forUpdate(),
    // Rows another claimer holds are passed over, not waited for: each due job goes to one worker.
    claimForUpdateSkipLocked: (query) => query.forUpdate().skipLocked(),
    announceJobsDue: () => announcer(),
    watchJobsDue: (listener) => listenForJobs(options.url, listener),
    appendOnlyStatements: (table) => [
      refuseChangeFunction,
      `create trigger ${table}_append_only before update or delete on ${table} ` +
        'for each row execute function clearance_refuse_change()',
      `create trigger ${table}_no_truncate before truncate on ${table} ` +
        'for each statement execute function clearance_refuse_change()',
    ],
    dropAppendOnlyStatements: (table) => [
      `drop trigger if exists ${table}_append_only on ${table}`,
      `drop trigger if exists ${table}_no_truncate on ${table}`,
    ],
    classifyError,
    conflictTable: (error) => {
      const table = (error as { table?: unknown } | null)?.table;
      return typeof table === 'string' ? table : undefined;
    },
    destroy: () => db.destroy(),
  };
}

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
  if (error.message.includes('is append-only')) return 'append_only';
  return undefined;
}
