/** What the schema report says about one database, engine-neutral so one renderer serves both. */

export interface ColumnSchema {
  name: string;
  /** The type as the engine reports it (declared type on SQLite, `format_type` on PostgreSQL). */
  type: string;
  nullable: boolean;
  /** The default expression as the engine stores it; undefined when there is none. */
  defaultValue: string | undefined;
}

/** A primary key or unique constraint; SQLite does not keep primary-key names. */
export interface KeySchema {
  name: string | undefined;
  columns: string[];
}

export interface ForeignKeySchema {
  columns: string[];
  table: string;
  references: string[];
  /** Referential actions other than NO ACTION, e.g. `on delete cascade`. */
  actions: string[];
}

/** A named object shown by its SQL: an index, a trigger, a function. */
export interface Definition {
  name: string;
  sql: string;
}

/** A CHECK constraint; SQLite does not keep the names of inline ones. */
export interface CheckSchema {
  name: string | undefined;
  sql: string;
}

export interface TableSchema {
  name: string;
  /** In table order: the order is part of the schema (`select *`, `insert` without columns). */
  columns: ColumnSchema[];
  primaryKey: KeySchema | undefined;
  uniqueConstraints: KeySchema[];
  foreignKeys: ForeignKeySchema[];
  checks: CheckSchema[];
  /** Indexes other than those backing the primary key and unique constraints. */
  indexes: Definition[];
  triggers: Definition[];
}

export interface EngineSchema {
  tables: TableSchema[];
  /** Stored functions (PostgreSQL); SQLite has none. */
  functions: Definition[];
}

/** Kysely's Migrator bookkeeping, not part of the project's schema. */
export const ignoredTables: readonly string[] = ['kysely_migration', 'kysely_migration_lock'];

export function byName<T extends { name: string | undefined }>(a: T, b: T): number {
  return compareText(a.name ?? '', b.name ?? '');
}

/** Code-point order, independent of the machine's locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
