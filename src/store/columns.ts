/** Conversions at the repository edge between rows and domain records. */
import type { SelectQueryBuilder } from 'kysely';
import { canonicalJson } from '../domain/canonical-json.js';
import { ClearanceError, type PolicyRecord } from '../domain/index.js';
import type { StoreDialect } from './dialects/store-dialect.js';
import type { Database } from './schema.js';

/** An instant as records carry it: RFC 3339 UTC with milliseconds. */
export function iso(value: Date | string): string {
  return typeof value === 'string' ? value : value.toISOString();
}

/** pg returns 64-bit integers as strings; SQLite as numbers. */
export function int(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}

/** `{ key: value }` when the column is set, `{}` when NULL — for exactOptionalPropertyTypes. */
export function opt<K extends string, V>(key: K, value: V | null): { [P in K]?: V } {
  return (value === null ? {} : { [key]: value }) as { [P in K]?: V };
}

/** `opt` for a nullable instant column: `{ key: iso(value) }` when set, `{}` when NULL. */
export function optIso<K extends string>(
  key: K,
  value: Date | string | null,
): { [P in K]?: string } {
  return opt(key, value === null ? null : iso(value));
}

export function toJson(value: unknown): string {
  return canonicalJson(value);
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/**
 * Rows of one multi-row insert at most: far below the engines' bound parameter limits (SQLite
 * 32,766, PostgreSQL 65,535) at the ten-odd columns our tables have.
 */
const rowsPerInsert = 500;

/** `rows` in runs of at most `rowsPerInsert`, for inserts of many rows a statement per run. */
export function inChunks<T>(rows: readonly T[]): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += rowsPerInsert)
    chunks.push(rows.slice(i, i + rowsPerInsert));
  return chunks;
}

/** What every repository needs: the transaction's executor and the engine's behaviour. */
export interface RepositoryContext {
  db: StoreDialect['db'];
  dialect: StoreDialect;
  /** What a write transaction did that someone waits to hear of once it commits. */
  effects?: TransactionEffects;
  /**
   * In a transaction: policies read alongside their model (`models.get`), by digest, which
   * `policies.get` answers from without a statement (a round trip on PostgreSQL). Policies are
   * append-only and named by the digest of their text, so a row read once in the transaction is
   * the row. Absent outside transactions, where repositories are shared by every request.
   */
  policiesRead?: Map<string, PolicyRecord>;
}

/** Set by the repositories during a write transaction, read by the store after it. */
export interface TransactionEffects {
  /** A job became due now (scheduled, moved or released to a time not after the clock's). */
  jobsDue: boolean;
}

/** `query`, locked until the transaction ends when the caller asked (`{ forUpdate: true }`). */
export function lockedIfAsked<TB extends keyof Database, O>(
  context: RepositoryContext,
  options: { forUpdate?: boolean } | undefined,
  query: SelectQueryBuilder<Database, TB, O>,
): SelectQueryBuilder<Database, TB, O> {
  return options?.forUpdate === true ? context.dialect.lockForUpdate(query) : query;
}

/**
 * Runs a write; a unique violation becomes `ClearanceError('conflict', message)`. On PostgreSQL
 * the failed statement aborts the transaction, so callers must let the error end it.
 */
export async function conflictOnDuplicate<T>(
  context: RepositoryContext,
  write: () => Promise<T>,
  message: string,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (context.dialect.classifyError(error) === 'unique_violation') {
      throw new ClearanceError('conflict', message, { cause: error });
    }
    throw error;
  }
}
