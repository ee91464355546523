/**
 * Compiled-once queries (prepared-query.ts) run on PostgreSQL as named prepared statements (ADR
 * 021). Kysely's PostgreSQL driver hands `pg` the SQL text and its values, which `pg` sends as an
 * unnamed statement: PostgreSQL parses, analyses and plans it again on every call. Given a name,
 * `pg` sends the Parse once per connection and then only Bind and Execute, and PostgreSQL keeps
 * the parsed statement (and, once it has judged a generic plan no worse, the plan) per session.
 *
 * Only texts `preparedQuery` and `shapedQuery` compiled are named: a bounded set (one per query,
 * or per shape of a shaped query up to its bound), so each connection holds a bounded number of
 * statements. Any other text runs unnamed, as before.
 */
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';
import { preparedStatementName } from '../prepared-query.js';

/**
 * Errors after which a named statement may fail the same way on every later call of this
 * session, though the same text run unnamed would not:
 * - `0A000` from `RevalidateCachedQuery` ("cached plan must not change result type"): its tables
 *   changed shape under it (a migration run by a newer server during a rolling upgrade). Told by
 *   the routine, never by the message, which PostgreSQL translates (`lc_messages`).
 * - `42883` (undefined function or operator) and `42804` (datatype mismatch): the parameter
 *   types fixed at the first Parse no longer fit a column or function whose type changed.
 * - `26000` (no such prepared statement): `pg` closed it after a value it could not bind, yet
 *   still counts it as parsed.
 */
function isStaleStatement(error: unknown): boolean {
  const { code, routine } = (error ?? {}) as { code?: unknown; routine?: unknown };
  if (code === '0A000') return routine === 'RevalidateCachedQuery';
  return code === '42883' || code === '42804' || code === '26000';
}

/** PostgreSQL's refusal of a statement sent into a transaction an earlier one aborted. */
function isAbortedRefusal(error: unknown): boolean {
  return (
    error instanceof UnparsedInAbortedTransaction ||
    (error as { code?: unknown } | null)?.code === '25P02'
  );
}

/**
 * On a pipelined connection, a named statement's first Parse sent into an aborted transaction is
 * refused (25P02), and `pg` then forgets the name; a second run of the same name sent in the same
 * turn went out without a Parse and is answered 26000 ("does not exist"). That answer is the
 * aborted transaction's refusal too, not a statement gone stale: reported as such, the error
 * that aborted the transaction is what the work sees (a review finding, session 26).
 */
class UnparsedInAbortedTransaction extends Error {
  constructor(error: unknown) {
    super(error instanceof Error ? error.message : String(error), { cause: error });
    this.name = 'UnparsedInAbortedTransaction';
  }
}

/**
 * A named statement found stale inside a transaction block: the transaction is aborted, and the
 * same work run again runs it unnamed on this session (or on a fresh one). Told apart from the
 * same codes raised by an ordinary statement, which a retry would meet again.
 */
export class StaleStatementError extends Error {
  constructor(error: unknown) {
    super(error instanceof Error ? error.message : String(error), { cause: error });
    this.name = 'StaleStatementError';
  }
}

/** A pooled connection as Kysely's driver sees it, naming compiled-once statements. */
export class NamingClient implements PostgresPoolClient {
  /** A statement of this session went stale: the session is closed on release, not pooled. */
  stale = false;
  /**
   * Names this session has run without error. Only such a statement can have gone stale: one that
   * fails on its first run (a wrong operator or type in its text) fails the same way every time,
   * and is the caller's error as it is, never a conflict to retry.
   */
  readonly #ran = new Set<string>();

  /**
   * On a pipelined connection (ADR 049): statements sent on this session since it was lent, the
   * errors they failed with (other than the refusal of an aborted transaction) by the order they
   * were sent in, and a promise settled once every statement sent so far has been answered and
   * its error, if any, recorded.
   */
  #sent = 0;
  #failures: { sent: number; error: unknown }[] = [];
  #allAnswered: Promise<unknown> = Promise.resolve();
  /** The connection's socket is held corked until the end of this turn (see `#sendTogether`). */
  #corked = false;

  constructor(
    readonly client: pg.PoolClient,
    private readonly pipelined: boolean,
  ) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    what: string | PostgresCursor<R>,
    parameters: ReadonlyArray<unknown> = [],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // pg's overloads do not know Kysely's cursor type; a cursor is passed through untouched.
    if (typeof what !== 'string') return this.client.query(what as never) as PostgresCursor<R>;
    if (!this.pipelined) return this.run<R>(what, parameters);
    this.#sendTogether();
    const sent = ++this.#sent;
    const earlier = this.#allAnswered;
    const answered = this.run<R>(what, parameters).catch(async (error: unknown) => {
      if (!isAbortedRefusal(error)) {
        this.#failures.push({ sent, error });
        throw error;
      }
      // Answers reach these handlers out of the order they came in (a named statement's in
      // fewer turns than an unnamed one's): the refusal waits for every statement sent before it.
      await earlier;
      throw this.#causeBefore(sent) ?? error;
    });
    this.#allAnswered = Promise.allSettled([earlier, answered]);
    return answered;
  }

  /**
   * On a pipelined connection, statements asked for together (a work's `Promise.all`, a RELEASE
   * sent ahead of the next work's statements, the statements of writes run side by side, ADR 051)
   * leave in one socket write. pg writes each statement's messages as one write of its own (it
   * corks the socket around them); on loopback TCP each write is a system call that also runs the
   * receiving side's network stack, and a CPU profile of the governed path on PostgreSQL had a
   * fifth of the main thread in `writev` (session 24). The first statement corks the socket and
   * queues the uncork as a microtask: it runs after the promise reactions already queued, where
   * the statements asked for at the same point are sent, and before anything waits for I/O or a
   * timer, so no statement leaves later than the turn it was asked for in.
   */
  #sendTogether(): void {
    if (this.#corked) return;
    // pg's Client keeps its socket on `connection.stream`; a pooled client is a Client. A stream
    // that cannot cork (pg checks for it too) sends each statement on its own, as before.
    const { stream } = (this.client as unknown as pg.Client).connection;
    if (typeof stream.cork !== 'function') return;
    this.#corked = true;
    stream.cork();
    queueMicrotask(() => {
      this.#corked = false;
      stream.uncork();
    });
  }

  /**
   * On a pipelined connection a statement sent behind one that fails is refused with 25P02
   * ("current transaction is aborted"), and its caller may await it before the one that failed:
   * a read started early, or one of several sent together. The refusal is answered with the
   * error that aborted the transaction, so what a write reports (and how it is classified: a
   * conflict to retry, a duplicate) does not depend on the order its statements are awaited in.
   * That error is the last other one sent before the refused statement: a transaction (or
   * savepoint) rolled back is whole again, so a later refusal has a later cause, and an error of
   * a statement sent after it (a neighbour's, once the savepoint was rolled back) is never it.
   */
  #causeBefore(sent: number): unknown {
    for (let k = this.#failures.length - 1; k >= 0; k--) {
      const failure = this.#failures[k];
      if (failure !== undefined && failure.sent < sent) return failure.error;
    }
    return undefined;
  }

  private async run<R>(sql: string, parameters: ReadonlyArray<unknown>) {
    const name = preparedStatementName(sql);
    if (name === undefined || this.stale) return this.unnamed<R>(sql, parameters);
    try {
      const result = await this.client.query({ name, text: sql, values: [...parameters] });
      this.#ran.add(name);
      return result as unknown as PostgresQueryResult<R>;
    } catch (error) {
      if (this.#refusedUnparsed(name, error)) throw new UnparsedInAbortedTransaction(error);
      if (!isStaleStatement(error) || !this.#mayHaveGoneStale(name, error)) throw error;
      // Every named statement of this session may be stale: it runs unnamed from now on and is
      // closed when released, so the pool opens a fresh one. Outside a transaction block the
      // statement is simply run again; inside one the error has aborted the transaction (or the
      // work's savepoint) and is the caller's, once per session: a conflict to retry.
      this.stale = true;
      if (this.client.getTransactionStatus() !== 'I') throw new StaleStatementError(error);
      return this.unnamed<R>(sql, parameters);
    }
  }

  /** A 26000 for a name never run here, met in an aborted transaction on a pipelined connection. */
  #refusedUnparsed(name: string, error: unknown): boolean {
    return (
      this.pipelined &&
      (error as { code?: unknown } | null)?.code === '26000' &&
      !this.#ran.has(name) &&
      this.client.getTransactionStatus() === 'E'
    );
  }

  /** `26000` names a statement pg counts as parsed though it is not; the others need a past run. */
  #mayHaveGoneStale(name: string, error: unknown): boolean {
    return (error as { code?: unknown }).code === '26000' || this.#ran.has(name);
  }

  private async unnamed<R>(sql: string, parameters: ReadonlyArray<unknown>) {
    const result = await this.client.query(sql, [...parameters]);
    return result as unknown as PostgresQueryResult<R>;
  }

  /** pg's record of the session's transaction: `I` idle, `T` open, `E` aborted. */
  transactionStatus(): ReturnType<pg.PoolClient['getTransactionStatus']> {
    return this.client.getTransactionStatus();
  }

  release(destroy?: boolean): void {
    this.#failures = [];
    this.#allAnswered = Promise.resolve();
    this.client.release(destroy === true || this.stale);
  }
}

/** A pool whose connections name compiled-once statements. */
export interface NamingPool extends PostgresPool {
  connect(): Promise<NamingClient>;
}

/**
 * `pool` as Kysely's driver sees it, its connections naming compiled-once statements; `pipelined`
 * for a pool opened in pg's pipeline mode (ADR 049).
 */
export function namingStatements(pool: pg.Pool, options: { pipelined?: boolean } = {}): NamingPool {
  // One wrapper per pooled connection: Kysely keeps its connection objects by client.
  const wrappers = new WeakMap<pg.PoolClient, NamingClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (wrapper === undefined || wrapper.stale) {
        wrapper = new NamingClient(client, options.pipelined === true);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}
