import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.js';
import { appendAuditEntryPostgres, auditAppendFunction } from './postgres-audit-append.js';
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
    appendAuditEntry: appendAuditEntryPostgres,
    auditAppendStatements: () => [auditAppendFunction],
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
