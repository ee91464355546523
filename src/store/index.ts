/**
 * Storage: Kysely schema, migrations and repositories implementing the ports of `app/shared/ports.ts`
 * on SQLite (better-sqlite3) and PostgreSQL (pg).
 */
export { createStore, storeOn } from './create-store.js';
export { watchStatements } from './dialects/checked-dialect.js';
export { nextReadShared } from './dialects/next-read.js';
export { openDialect, type StoreConfig } from './dialects/open-dialect.js';
export { type PostgresOptions, postgresDialect } from './dialects/postgres-dialect.js';
export { type SqliteOptions, sqliteDialect } from './dialects/sqlite-dialect.js';
export type {
  DialectCapabilities,
  StoreDialect,
  StoreErrorKind,
} from './dialects/store-dialect.js';
export { migrateToLatest, migrationNames } from './migrations/migrate-to-latest.js';
export { appendOnlyKeys, appendOnlyTables, type Database } from './schema.js';
