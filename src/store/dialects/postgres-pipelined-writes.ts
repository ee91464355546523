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
import { checkedConnection, checkedDialect } from './checked-dialect.js';
import { TransactionControlInWork, type WriteSession } from './group-commit.js';
import { type NamingClient, namingStatements } from './postgres-named-statements.js';

/** Connections for write transactions: one runs at a time per process, one more is spare. */
const writeConnections = 2;

export interface PipelinedWrites {
  /**
   * Runs `work` with a Kysely handle on one pipelined connection of its own, lent for the call:
   * statements asked for together go out together. `session` counts that connection's
   * statements (group commit asks it before sending a RELEASE ahead).
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
  const naming = namingStatements(pool, { pipelined: true });
  // The dialect compiles statements and runs plugins; its driver is never asked for a connection
  // (the connections are lent below), only destroyed with the pool.
  const dialect = checkedDialect(new PostgresDialect({ pool: naming }));
  const db = new Kysely<Database>({ dialect });
  // Kysely's constructor takes a ready executor only beside a driver. The handles made here run
  // inside the write transaction the runner opened: one that asks to begin its own (Kysely's
  // `transaction()`) is refused, since PostgreSQL would only warn at a nested BEGIN and its
  // COMMIT would commit the whole batch's transaction so far. It is never started or destroyed.
  const refuse = (): never => {
    throw new TransactionControlInWork();
  };
  const driver: Driver = {
    ...dialect.createDriver(),
    beginTransaction: refuse,
    commitTransaction: refuse,
    rollbackTransaction: refuse,
  };

  function handleOn(connection: DatabaseConnection): Kysely<Database> {
    const executor: QueryExecutor = db.getExecutor().withConnectionProvider({
      provideConnection: (consume) => consume(connection),
    });
    return new Kysely<Database>({ config: { dialect }, dialect, driver, executor });
  }

  return {
    async withConnection(work) {
      const client = await naming.connect();
      try {
        const session = new SessionConnection(client);
        return await work(handleOn(checkedConnection(session)), session);
      } finally {
        client.release();
      }
    },
    destroy: () => db.destroy(),
  };
}

/**
 * One lent pipelined connection as Kysely sees it (as Kysely's own PostgreSQL connection answers:
 * the rows, the rows affected by a write, and the command of a COMMIT or ROLLBACK), counting its
 * statements in flight and the ones that failed as each answer reaches its caller, and telling
 * whether its transaction is open: what group commit asks before it sends a work's RELEASE ahead
 * (ADR 049, session 22). A statement refused before it is sent (the work fence, unstorable text:
 * checked-dialect.ts, above this) never reaches it and is not counted.
 */
class SessionConnection implements DatabaseConnection, WriteSession {
  #inFlight = 0;
  #failures = 0;

  constructor(private readonly client: NamingClient) {}

  inFlight(): number {
    return this.#inFlight;
  }

  failures(): number {
    return this.#failures;
  }

  /**
   * pg's own record of the session's transaction: open and not aborted. It is current once no
   * statement is in flight and none has failed (a statement's answer reaches its caller after the
   * status that came with it was applied; a failure's may not, which is what the count is for).
   */
  inTransaction(): boolean {
    return this.client.transactionStatus() === 'T';
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    this.#inFlight += 1;
    let answer: pg.QueryResult;
    try {
      answer = (await this.client.query(query.sql, query.parameters)) as unknown as pg.QueryResult;
    } catch (error) {
      this.#failures += 1;
      throw error;
    } finally {
      this.#inFlight -= 1;
    }
    const { command, rowCount } = answer;
    // The runner tells a COMMIT that PostgreSQL answered with ROLLBACK by this row.
    if (command === 'ROLLBACK' || command === 'COMMIT') return { rows: [{ command } as R] };
    const wrote =
      command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
    return {
      ...(wrote ? { numAffectedRows: BigInt(rowCount ?? 0) } : {}),
      rows: (answer.rows ?? []) as R[],
    };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Write transactions do not stream: pg refuses cursors in pipeline mode.');
  }
}
