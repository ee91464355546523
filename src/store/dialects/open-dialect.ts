import { type PostgresOptions, postgresDialect } from './postgres-dialect.js';
import { type SqliteOptions, sqliteDialect } from './sqlite-dialect.js';
import type { StoreDialect } from './store-dialect.js';

export type StoreConfig =
  | ({ engine: 'sqlite' } & SqliteOptions)
  | ({ engine: 'postgres' } & PostgresOptions);

/** The one place an engine name picks an implementation. */
export function openDialect(config: StoreConfig): StoreDialect {
  return config.engine === 'sqlite' ? sqliteDialect(config) : postgresDialect(config);
}
