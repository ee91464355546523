/**
 * A Kysely dialect whose connections refuse a statement of a grouped write that has already ended
 * (`assertStatementOfLiveWork`, group-commit.ts, ADR 045) and text no engine can store
 * (storable-parameters.ts), and tell the statement watchers each statement. The checks sit on the
 * connection because every statement passes there, compiled-once queries (prepared-query.ts)
 * included, and a statement can reach it later than it was built. The driver's own transaction
 * statements (BEGIN, COMMIT, ROLLBACK) are given the connection underneath.
 */
import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { assertStatementOfLiveWork } from './group-commit.js';
import { assertStorableParameters } from './storable-parameters.js';

/**
 * Told the SQL text of every statement a store of this process sends through Kysely (the driver's
 * own BEGIN, COMMIT and ROLLBACK too, and the SQLite reader's): how the benchmarks count
 * statements per use case (bench/governed.ts). With none watching, a statement costs one size
 * check.
 */
const statementWatchers = new Set<(sql: string) => void>();

/** Calls `watcher` with each statement's SQL text until the returned function is called. */
export function watchStatements(watcher: (sql: string) => void): () => void {
  statementWatchers.add(watcher);
  return () => {
    statementWatchers.delete(watcher);
  };
}

function told(sql: string): void {
  if (statementWatchers.size === 0) return;
  for (const watcher of statementWatchers) watcher(sql);
}

/** A connection that runs `check` on each statement, then tells the watchers, then sends it. */
class ObservedConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly check: (compiledQuery: CompiledQuery) => void,
  ) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    this.check(compiledQuery);
    told(compiledQuery.sql);
    return this.inner.executeQuery(compiledQuery);
  }

  streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    this.check(compiledQuery);
    told(compiledQuery.sql);
    return this.inner.streamQuery(compiledQuery, chunkSize);
  }
}

/** What every connection of a store that writes checks before a statement goes out. */
function checkStatement(compiledQuery: CompiledQuery): void {
  assertStatementOfLiveWork(compiledQuery);
  assertStorableParameters(compiledQuery);
}

/** `connection` with every statement checked and watched, as the store's own connections are. */
export function checkedConnection(connection: DatabaseConnection): DatabaseConnection {
  return new ObservedConnection(connection, checkStatement);
}

function underneath(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof ObservedConnection ? connection.inner : connection;
}

function checkedDriver(driver: Driver): Driver {
  return {
    init: () => driver.init(),
    acquireConnection: async () =>
      new ObservedConnection(await driver.acquireConnection(), checkStatement),
    beginTransaction: (connection: DatabaseConnection, settings: TransactionSettings) => {
      told('begin');
      return driver.beginTransaction(underneath(connection), settings);
    },
    commitTransaction: (connection) => {
      told('commit');
      return driver.commitTransaction(underneath(connection));
    },
    rollbackTransaction: (connection) => {
      told('rollback');
      return driver.rollbackTransaction(underneath(connection));
    },
    releaseConnection: (connection) => driver.releaseConnection(underneath(connection)),
    destroy: () => driver.destroy(),
  };
}

/** `dialect`, its connections fenced against statements of ended writes, checking parameters. */
export function checkedDialect(dialect: Dialect): Dialect {
  return {
    createDriver: () => checkedDriver(dialect.createDriver()),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}

/**
 * `dialect` with its statements told to the watchers only, unchecked: for a read-only connection,
 * which stores nothing.
 */
export function watchedDialect(dialect: Dialect): Dialect {
  return {
    createDriver: () => {
      const driver = dialect.createDriver();
      const inner = (connection: DatabaseConnection) =>
        connection instanceof ObservedConnection ? connection.inner : connection;
      return {
        init: () => driver.init(),
        acquireConnection: async () =>
          new ObservedConnection(await driver.acquireConnection(), () => undefined),
        beginTransaction: (connection, settings) =>
          driver.beginTransaction(inner(connection), settings),
        commitTransaction: (connection) => driver.commitTransaction(inner(connection)),
        rollbackTransaction: (connection) => driver.rollbackTransaction(inner(connection)),
        releaseConnection: (connection) => driver.releaseConnection(inner(connection)),
        destroy: () => driver.destroy(),
      };
    },
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
