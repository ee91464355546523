/**
 * A Kysely dialect whose connections refuse a statement asked for by a write that has already
 * ended (`assertWorkNotEnded`, group-commit.ts): a query a work issued and did not await would
 * otherwise run after the work's rollback or release and land in its neighbour's savepoint, in
 * the batch's commit, or (after a lone work's rollback) in no transaction at all, committed on
 * its own. The check sits on the connection because every statement passes there, compiled-once
 * queries (prepared-query.ts) included, which skip Kysely's plugins. The driver's own transaction
 * statements (BEGIN, COMMIT, ROLLBACK) are given the connection underneath. For the same reason
 * it is where text no engine can store is refused (storable-parameters.ts).
 */
import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { assertWorkNotEnded } from './group-commit.js';
import { assertStorableParameters } from './storable-parameters.js';

class FencedConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    assertWorkNotEnded();
    assertStorableParameters(compiledQuery);
    return this.inner.executeQuery(compiledQuery);
  }

  streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    assertWorkNotEnded();
    assertStorableParameters(compiledQuery);
    return this.inner.streamQuery(compiledQuery, chunkSize);
  }
}

function underneath(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof FencedConnection ? connection.inner : connection;
}

function fencedDriver(driver: Driver): Driver {
  return {
    init: () => driver.init(),
    acquireConnection: async () => new FencedConnection(await driver.acquireConnection()),
    beginTransaction: (connection: DatabaseConnection, settings: TransactionSettings) =>
      driver.beginTransaction(underneath(connection), settings),
    commitTransaction: (connection) => driver.commitTransaction(underneath(connection)),
    rollbackTransaction: (connection) => driver.rollbackTransaction(underneath(connection)),
    releaseConnection: (connection) => driver.releaseConnection(underneath(connection)),
    destroy: () => driver.destroy(),
  };
}

/** `dialect`, its connections fenced against statements of ended writes. */
export function fencedDialect(dialect: Dialect): Dialect {
  return {
    createDriver: () => fencedDriver(dialect.createDriver()),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
