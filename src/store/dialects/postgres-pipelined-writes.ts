/**
 * Write transactions on PostgreSQL run on connections of their own, in `pg`'s pipeline mode
 * (ADR 049). A statement there is sent as soon as it is asked for, without waiting for the answer
 * to the one before: statements a work issues together (`Promise.all`) cost one round trip, not
 * one each. The server still runs them one by one in the order they were sent, and each one's
 * error, or the aborted transaction's refusal of the ones after it, comes back to its own caller.
 *
 * Kysely hands a transaction's statements to its connection one at a time (its single-connection
 * provider waits for each to finish before the next starts), which would send them one round
 * trip each even on a pipelined connection. The handle a write transaction gets here hands every
 * statement to the connection at once instead; the connection (pg) keeps them in order.
 *
 * Only write transactions use these connections: the group commit runs one at a time per
 * process, so two connections are plenty, and reads keep the shared pool.
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  type QueryExecutor,
  type QueryResult,
} from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.js';
import { checkedDialect } from './checked-dialect.js';
import type { WriteSession } from './group-commit.js';
import { namingStatements } from './postgres-named-statements.js';

/** Connections for write transactions: one runs at a time per process, one more is spare. */
const writeConnections = 2;

export interface PipelinedWrites {
  /**
   * Runs `work` with a Kysely handle on one pipelined connection of its own, lent for the call:
   * statements asked for together go out together.
   */
  withConnection<T>(
    work: (conn: Kysely<Database>, session: WriteSession) => Promise<T>,
  ): Promise<T>;
  destroy(): Promise<void>;
}

export function pipelinedWrites(url: string): PipelinedWrites {
  const pool = new pg.Pool({ connectionString: url, max: writeConnections, pipeline: true });
  // As on the shared pool (postgres-dialect.ts): a connection the server closes, idle or lent,
  // fails its own queries and is dropped, and never crashes the process.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const dialect = checkedDialect(
    new PostgresDialect({ pool: namingStatements(pool, { pipelined: true }) }),
  );
  const db = new Kysely<Database>({ dialect });
  // Kysely's constructor takes a ready executor only beside a driver; the handles made here
  // never begin, commit or destroy anything through it, so it is never started.
  const driver: Driver = dialect.createDriver();

  function handleOn(connection: DatabaseConnection): Kysely<Database> {
    const executor: QueryExecutor = db.getExecutor().withConnectionProvider({
      provideConnection: (consume) => consume(connection),
    });
    return new Kysely<Database>({ config: { dialect }, dialect, driver, executor });
  }

  return {
    withConnection: (work) =>
      db.getExecutor().provideConnection((connection) => {
        const counted = countedConnection(connection);
        return work(handleOn(counted.connection), counted.session);
      }),
    destroy: () => db.destroy(),
  };
}

/**
 * `connection`, counting its statements in flight and the ones that failed: what group commit asks
 * before it sends a work's RELEASE ahead of the next work's statements (ADR 049, session 22). The
 * count is this connection's own, kept as each answer reaches its caller: a failure is counted
 * before the caller sees it, whatever state pg reports for the session meanwhile.
 */
function countedConnection(connection: DatabaseConnection): {
  connection: DatabaseConnection;
  session: WriteSession;
} {
  let inFlight = 0;
  let failures = 0;
  const counted: DatabaseConnection = {
    executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      inFlight += 1;
      return connection.executeQuery<R>(query).then(
        (result) => {
          inFlight -= 1;
          return result;
        },
        (error: unknown) => {
          inFlight -= 1;
          failures += 1;
          throw error;
        },
      );
    },
    streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
  };
  return {
    connection: counted,
    session: { inFlight: () => inFlight, failures: () => failures },
  };
}
