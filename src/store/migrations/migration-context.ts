import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../dialects/store-dialect.js';

/**
 * Migrations are written once for both engines; what differs comes from the dialect. Migrations
 * do not use the current `Database` type: they must keep compiling as the schema moves on.
 */
export type MigrationDb = Kysely<unknown>;

export type MigrationFactory = (dialect: StoreDialect) => Migration;
