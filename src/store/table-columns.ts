import type { Database } from './schema.js';

/** A column of `T` as a query names it, qualified by its table. */
type Qualified<T extends keyof Database> = `${T}.${keyof Database[T] & string}`;

/**
 * Every column of `table`, qualified, in the order given. Compiled-once reads inside write
 * transactions select these rather than `*` (ADR 033, amended): on PostgreSQL they run as named
 * statements, whose result type must not change, so a column a newer server's migration adds
 * during a rolling upgrade would otherwise fail the next transaction on every pooled connection
 * ("cached plan must not change result type"). A record of every column, so that the compiler
 * refuses a list that misses one the schema type has, or names one it lacks.
 */
export function tableColumns<T extends keyof Database>(
  table: T,
  columns: Record<keyof Database[T] & string, true>,
): Qualified<T>[] {
  return Object.keys(columns).map((column) => `${table}.${column}` as Qualified<T>);
}

/** `tableColumns` for a table read under an alias (`versions as v`): `v.model`, … */
export function aliasedColumns<T extends keyof Database, A extends string>(
  _table: T,
  alias: A,
  columns: Record<keyof Database[T] & string, true>,
): `${A}.${keyof Database[T] & string}`[] {
  return Object.keys(columns).map(
    (column) => `${alias}.${column}` as `${A}.${keyof Database[T] & string}`,
  );
}
