/**
 * What differs between SQLite and PostgreSQL, as capability flags and a few engine-specific
 * operations. Code outside `dialects/` asks for a capability, never for an engine name.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface DialectCapabilities {
  /** `SELECT … FOR UPDATE` row locks (PostgreSQL); SQLite locks the whole database instead. */
  supportsForUpdate: boolean;
  /** `FOR UPDATE SKIP LOCKED` for work queues. */
  supportsSkipLocked: boolean;
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
   */
  writeTransaction<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * Runs `work` in one read-only transaction: a consistent snapshot that never waits for a writer
   * and never makes one wait; a write inside fails. SQLite: a second, read-only connection (WAL
   * readers do not block). PostgreSQL: REPEATABLE READ, READ ONLY.
   */
  readTransaction<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * Runs `work` alone among this process's writers on the same database where a waiting writer
   * would block the process (SQLite); elsewhere runs it directly. Migrations use it.
   */
  runExclusive<T>(work: () => Promise<T>): Promise<T>;
  /** SQL statements that make `table` refuse UPDATE and DELETE (and TRUNCATE where it exists). */
  appendOnlyStatements(table: string): string[];
  /** Statements that drop the append-only triggers again, for tamper tests and repairs. */
  dropAppendOnlyStatements(table: string): string[];
  classifyError(error: unknown): StoreErrorKind | undefined;
  /** The table a unique violation happened in, for a message in our words (never the driver's). */
  conflictTable(error: unknown): string | undefined;
  destroy(): Promise<void>;
}

/** Message every append-only trigger raises; tests and docs match on "is append-only". */
export function appendOnlyMessage(table: string, operation: string): string {
  return `${table} is append-only: ${operation} is refused`;
}
