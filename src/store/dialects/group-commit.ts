/**
 * Group commit (ADR 012): write transactions that are asked for while one is running wait, and
 * then run together inside one database transaction, each in a savepoint of its own, with one
 * COMMIT and so one fsync for all of them. Each caller's promise settles only after that COMMIT:
 * nothing is acknowledged that a crash could still take back.
 *
 * A batch's works run one after another on the one connection, in arrival order (so audit
 * entries keep the order their requests were accepted in), and each sees what the earlier ones
 * wrote, exactly as if they had committed one by one. A work that throws rolls back to its own
 * savepoint and fails alone; the others commit. If the transaction itself fails (COMMIT, or a
 * savepoint the engine can no longer roll back to), every work of the batch fails with it, and
 * none was acknowledged.
 *
 * A statement a work issued and did not await is refused once the work has ended
 * (`StatementAfterItsWork`): each work is given a Kysely handle of its own, fenced by a plugin
 * that marks every statement built on it with the work's fence, and the store's connections
 * refuse a marked statement whose work has returned or thrown (checked-dialect.ts), so nothing of
 * a finished work runs in its neighbour's savepoint, the batch's commit or after it (ADR 045).
 * The fence also refuses a work's statement that would begin, end or cut into the shared
 * transaction (`TransactionControlInWork`, ADR 049).
 *
 * A write waits in the queue at most `waitLimitMs` (30 s by default) and then fails with
 * `WriteWaitExceeded`: a write started inside another write would otherwise wait for the batch
 * that is waiting for it, and every later write of the process would hang behind it.
 *
 * PostgreSQL uses it too since ADR 017 (ADR 012 had measured no gain there): commits there take
 * turns on the `audit_head` and `data_version` locks through their WAL flush, and each statement
 * is a round trip, so a batch saves flushes, lock hand-overs and BEGIN/COMMIT round trips. There a
 * work that ended whole has its RELEASE sent ahead of the next work's statements (ADR 049), and
 * works naming different keys (models) run side by side, their statements interleaved, the rest
 * of the batch following in savepoints; if one of them does not end whole, nothing of them
 * commits and the whole batch runs again in savepoints (`sideBySide`, ADR 051). Their audit
 * entries then follow the order their appends reached the server; works of one key keep theirs.
 */
import {
  CompiledQuery,
  createQueryId,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryId,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import type { WritePathStats } from '../../app/shared/ports.js';
import type { Database } from '../schema.js';

type Work<T> = (trx: Kysely<Database>) => Promise<T>;

/**
 * The connection a transaction runs on, as a runner that pipelines its statements tells it
 * (PostgreSQL, ADR 049): its statements still unanswered, how many have failed since it was lent,
 * and whether its transaction is open. A work that ended with none in flight, none failed and the
 * transaction still open has left its savepoint whole, so its RELEASE cannot be refused for
 * anything it did and is sent ahead of the next work's statements.
 */
export interface WriteSession {
  inFlight(): number;
  failures(): number;
  /** Open and not aborted; current whenever nothing is in flight and nothing has failed. */
  inTransaction(): boolean;
}

/**
 * Runs `body` in one database transaction: commit on resolve, roll back on throw. `savepoint`
 * (given only with `joinsStatements`) is opened as the transaction begins, before `body` runs,
 * in the same round trip as the transaction's own opening statements (ADR 029). A runner on a
 * pipelined connection hands `body` its `WriteSession` too.
 */
export type TransactionRunner = <T>(
  body: (trx: Kysely<Database>, session?: WriteSession) => Promise<T>,
  savepoint?: CompiledQuery,
) => Promise<T>;

/**
 * What a work names for `GroupCommitOptions.sideBySide`: a key it acts on alone (a model, one
 * user's uploads), or a part of a key (ADR 053: a new version of a model, whose registration
 * touches none of the model's other versions). Works of different parts of one key commute, and
 * run side by side as works of different keys do; a work naming the whole key runs apart from
 * every other work of it.
 */
export type WriteKey = string | { key: string; part: string };

/**
 * A group-committing runner, and what it has done since it was made (`/metrics`, ADR 050).
 * `key` names what a work acts on (see `WriteKey`, `GroupCommitOptions.sideBySide`).
 */
export type GroupCommitRunner = (<T>(work: Work<T>, key?: WriteKey) => Promise<T>) & {
  stats(): WritePathStats;
};

interface Waiting {
  work: Work<unknown>;
  /** The model the work acts on alone, when its caller names it (see `GroupCommitOptions`). */
  key: string | undefined;
  /** The part of `key` it acts on, when it names one (`WriteKey`). */
  part: string | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Fails the write once it has waited `waitLimitMs`; cleared when its batch takes it. */
  timer: NodeJS.Timeout | undefined;
  /** When it was asked for (`performance.now()`), for the wait it is counted. */
  askedAt: number;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A batch's works that run side by side, and the ones that follow them in savepoints. */
interface SideBySide {
  side: Waiting[];
  after: Waiting[];
}

/** Where a work's savepoint stands between its neighbours' (see `inSavepoint`). */
interface SavepointPlace {
  begun: boolean;
  chained: boolean;
  /** The work's place in its batch. */
  index: number;
}

/**
 * A batch's connection and the RELEASE it sent ahead (`inSavepoint`): unanswered until a later
 * statement's answer comes back behind it.
 */
interface BatchSession {
  session: WriteSession | undefined;
  releasedAhead: Promise<unknown> | undefined;
  /** The place in the batch of the work whose RELEASE that is. */
  releasedBy: number;
}

/**
 * Bounds a batch's latency: the last work of a batch waits for all before it. 128 creates take
 * a few milliseconds of statements, well inside the write targets' p99.
 */
const maxBatch = 128;

/**
 * The fence of one work: a plugin on the Kysely handle the work is given (and every handle made
 * from it, `withTables` included). Each statement built on it is marked with the fence (by its
 * query id) and refused when it reaches the connection after the work has returned or thrown
 * (`assertStatementOfLiveWork`, called by every connection of the store: checked-dialect.ts).
 * Built after the end, it is refused at once. The check has to be at the connection: Kysely's
 * single-connection provider lets a newcomer (the batch's RELEASE, the runner's COMMIT) take the
 * connection in the few microtask turns between one statement's end and the next waiter's start,
 * so a statement built while the work ran can still reach the connection after its end.
 * Compiled-once queries, which skip plugins, are marked by `queryIdFor` (ADR 045).
 *
 * ADR 012 told a work's statements apart by an `AsyncLocalStorage` scope instead; on Node 20 and
 * 22 that switches on V8's promise hooks for every promise of the process.
 */
class WorkFence implements KyselyPlugin {
  settled = false;

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.settled) throw new StatementAfterItsWork();
    fenceOfStatement.set(args.queryId, this);
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

/** The fence of each statement built on a work's handle, by the statement's query id. */
const fenceOfStatement = new WeakMap<QueryId, WorkFence>();

/** Runs `work` on a fenced handle of its own, settled when it returns or throws. */
async function runWork<T>(work: Work<T>, trx: Kysely<Database>): Promise<T> {
  const fence = new WorkFence();
  try {
    return await work(trx.withPlugin(fence));
  } finally {
    fence.settled = true;
  }
}

/**
 * A statement asked for by a work that has already returned or thrown: one it issued and did not
 * await. Run, it would land after the work's rollback or release — in the next work's savepoint,
 * in the batch's transaction and its commit, or in no transaction at all — so it is refused.
 */
class StatementAfterItsWork extends Error {
  constructor() {
    super(
      'A statement was issued by a write that had already ended (a query it did not await); it was not run.',
    );
    this.name = 'StatementAfterItsWork';
  }
}

/**
 * Throws when the statement about to run was built on the handle of a work that has ended, or
 * would begin, end or cut into the transaction the work shares with the rest of its batch.
 */
export function assertStatementOfLiveWork(statement: CompiledQuery): void {
  const fence = fenceOfStatement.get(statement.queryId);
  if (fence === undefined) return;
  if (fence.settled) throw new StatementAfterItsWork();
  // Only raw SQL can say it: Kysely's builders make no transaction statements.
  if (statement.query.kind === 'RawNode' && controlsTransaction(statement.sql)) {
    throw new TransactionControlInWork();
  }
}

/**
 * A statement of a work that would begin, commit or roll back a transaction, or release or roll
 * back to the batch's own savepoint: the work shares the transaction with the rest of its batch,
 * so it would commit or undo its neighbours' writes, or leave the next ones outside any
 * transaction (found by review on PostgreSQL, where BEGIN inside a transaction only warns). A
 * work rolls its own writes back by throwing; savepoints of its own, nested in its own, are its
 * business.
 */
export class TransactionControlInWork extends Error {
  constructor() {
    super(
      'A write issued a statement that begins, ends or cuts into the transaction it shares with other writes; it was not run. Throw to roll the write back.',
    );
    this.name = 'TransactionControlInWork';
  }
}

/** Verdicts by statement text: a work's raw statements are a fixed set of texts, values aside. */
const transactionControl = new Map<string, boolean>();
const verdictsKept = 1000;

/** Whether `sql` holds a statement that controls the transaction (see `TransactionControlInWork`). */
export function controlsTransaction(sql: string): boolean {
  const known = transactionControl.get(sql);
  if (known !== undefined) return known;
  const verdict = sqlStatements(sql).some((statement) => {
    const text = statement.trim().toLowerCase();
    if (/^(begin|commit|end|abort|start\s+transaction|prepare\s+transaction)\b/.test(text)) {
      return true;
    }
    if (/^rollback\b/.test(text) && !/^rollback(\s+(work|transaction))?\s+to\b/.test(text)) {
      return true;
    }
    return /^(savepoint|release|rollback)\b/.test(text) && /\bgrouped_write\b/.test(text);
  });
  if (transactionControl.size < verdictsKept) transactionControl.set(sql, verdict);
  return verdict;
}

/** The statements of `sql`, with comments, quoted strings and quoted names taken out. */
function sqlStatements(sql: string): string[] {
  return sql
    .replace(/\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g, "''")
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""')
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .split(';');
}

/**
 * A query id for a statement about to run on `db` past Kysely's plugins (compiled-once queries,
 * prepared-query.ts), marked with `db`'s work fence if it has one; throws if that work has ended.
 */
export function queryIdFor(db: Kysely<Database>): QueryId {
  const queryId = createQueryId();
  for (const plugin of db.getExecutor().plugins) {
    if (!(plugin instanceof WorkFence)) continue;
    if (plugin.settled) throw new StatementAfterItsWork();
    fenceOfStatement.set(queryId, plugin);
  }
  return queryId;
}

/**
 * A write that waited longer than the limit for its turn. Either the store is overloaded far
 * past what a request's caller waits for, or the write was started inside another write, which
 * would wait forever for the batch that is waiting for it.
 */
export class WriteWaitExceeded extends Error {
  constructor(waitedMs: number) {
    super(
      `A write waited ${waitedMs} ms for the store's write transaction and was not run: the store is ` +
        'overloaded, or the write was started inside another write (pass the open transaction down instead).',
    );
    this.name = 'WriteWaitExceeded';
  }
}

/**
 * Thrown by a work's savepoint when the engine no longer has it: the whole transaction is gone.
 * `own` is the error of the work that lost it: the one at `culprit` in the batch, or else the one
 * whose savepoint it was.
 */
class TransactionAborted extends Error {
  constructor(
    readonly own: unknown,
    cause: unknown,
    readonly culprit?: number,
  ) {
    super(
      'The shared transaction was aborted by another write of its batch; nothing was committed.',
      {
        cause,
      },
    );
    this.name = 'TransactionAborted';
  }
}

/** How a dialect's engine wants its batches. */
export interface GroupCommitOptions {
  /** Works in one transaction at most; 128 by default. */
  batchLimit?: number;
  /**
   * The engine runs two statements sent as one text, in one round trip (PostgreSQL's simple query
   * protocol): a work's RELEASE and the next work's SAVEPOINT then go together, and after a
   * rollback to it the savepoint is used again for the next work (it stays valid). The batch's
   * first SAVEPOINT is handed to the transaction runner, which sends it with its BEGIN.
   */
  joinsStatements?: boolean;
  /** How long a write may wait for its batch before it fails (`WriteWaitExceeded`); 30 s by default. */
  waitLimitMs?: number;
  /**
   * Works that name different models run side by side in one transaction, their statements
   * interleaved on the pipelined connection, without savepoints (PostgreSQL, ADR 051). Only when
   * every one of them ends whole — none threw, none of their statements failed, none is still
   * unanswered — does the transaction commit; otherwise it is rolled back and the same works run
   * again one after another, each in its savepoint, as every batch does. Requires a runner that
   * hands its `WriteSession` (pipelined).
   */
  sideBySide?: boolean;
}

/** Far past what an HTTP caller waits for, far under a hang. */
const defaultWaitLimitMs = 30_000;

/** `transaction`, made to share its transactions between concurrent callers. */
export function groupCommitting(
  transaction: TransactionRunner,
  options: GroupCommitOptions = {},
): GroupCommitRunner {
  const batchLimit = options.batchLimit ?? maxBatch;
  const joins = options.joinsStatements === true;
  const interleaves = options.sideBySide === true;
  const waitLimitMs = options.waitLimitMs ?? defaultWaitLimitMs;
  const queue: Waiting[] = [];
  let scheduled = false;
  // Milliseconds here; seconds when read. One batch runs at a time, so busy time is a plain sum.
  const counted = {
    committed: 0,
    failed: 0,
    waitExceeded: 0,
    transactions: 0,
    busyMs: 0,
    waitMs: 0,
    runAgain: 0,
  };

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // setImmediate, not a microtask: requests whose bytes arrived meanwhile are parsed first (the
    // poll phase) and join this batch instead of the next.
    setImmediate(() => {
      const batch = queue.splice(0, batchLimit);
      const startedAt = performance.now();
      for (const waiting of batch) {
        clearTimeout(waiting.timer);
        counted.waitMs += startedAt - waiting.askedAt;
      }
      // Every write asked for meanwhile already failed its wait: no transaction for nothing.
      if (batch.length === 0) {
        scheduled = false;
        return;
      }
      counted.transactions += 1;
      const side = interleaves ? sideBySideOf(batch) : undefined;
      void (side === undefined ? runBatch(batch) : runSideBySide(batch, side)).finally(() => {
        counted.busyMs += performance.now() - startedAt;
        scheduled = false;
        if (queue.length > 0) schedule();
      });
    });
  }

  /** One transaction of savepoints, one work after another (the module's comment). */
  async function runBatch(batch: Waiting[]): Promise<void> {
    const [only] = batch;
    if (batch.length === 1 && only !== undefined) {
      // Alone, a work needs no savepoint: its own throw rolls the transaction back.
      await transaction((trx) => runWork(only.work, trx)).then(
        (value) => {
          counted.committed += 1;
          only.resolve(value);
        },
        (error: unknown) => {
          counted.failed += 1;
          only.reject(error);
        },
      );
      return;
    }
    const outcomes: Outcome[] = [];
    let failure: { error: unknown } | undefined;
    try {
      await transaction(
        // Joined, the runner opened the first work's savepoint with the transaction.
        (trx, session) => inSavepoints(trx, session, { works: batch, begun: joins, outcomes }),
        joins ? begin : undefined,
      );
    } catch (error) {
      failure = { error };
    }
    settle(batch, outcomes, failure);
  }

  /**
   * Runs `works` one after another, each in its savepoint, recording each outcome in `outcomes` as
   * it comes. `begun`: the first savepoint is already open.
   */
  async function inSavepoints(
    trx: Kysely<Database>,
    session: WriteSession | undefined,
    batch: { works: Waiting[]; begun: boolean; outcomes: Outcome[] },
  ): Promise<void> {
    let begun = batch.begun;
    const batchSession: BatchSession = { session, releasedAhead: undefined, releasedBy: -1 };
    for (const [k, waiting] of batch.works.entries()) {
      const place: SavepointPlace = {
        begun,
        chained: joins && k + 1 < batch.works.length,
        index: k,
      };
      batch.outcomes.push(await inSavepoint(trx, waiting.work, place, batchSession));
      begun = place.chained;
    }
    // The last work never sends its RELEASE ahead and waits for its predecessor's, so nothing is
    // unanswered here; awaited all the same, so that a refused one can never be missed.
    await batchSession.releasedAhead;
  }

  /**
   * Answers each work of a savepoint batch once its transaction has ended: with its value if the
   * transaction committed and the work ended whole, else with what failed.
   */
  function settle(works: Waiting[], outcomes: Outcome[], failure: { error: unknown } | undefined) {
    for (const [k, waiting] of works.entries()) {
      const outcome = outcomes[k];
      // Nothing committed when the batch failed: its successful works fail with it. The work
      // that aborted the whole transaction gets its own error, the others what happened to them.
      let error = outcome?.ok === false ? outcome.error : failure?.error;
      if (error instanceof TransactionAborted && k === (error.culprit ?? outcomes.length)) {
        error = error.own;
      }
      if (failure === undefined && outcome?.ok) {
        counted.committed += 1;
        waiting.resolve(outcome.value);
      } else {
        counted.failed += 1;
        waiting.reject(error ?? new Error('A grouped write has no outcome.'));
      }
    }
  }

  /**
   * The works of `batch` that run side by side (`GroupCommitOptions.sideBySide`): the first work
   * of each key, in queue order, or the first work of each part of a key while only parts of it
   * have been taken (`WriteKey`), and the rest of the batch, which follows them in savepoints. Once
   * a work of a key follows, every later work of that key follows too, so the works of one key
   * that run side by side all come before those that follow, in queue order. None when fewer than
   * two works would run side by side: the batch then runs as any other.
   */
  function sideBySideOf(batch: Waiting[]): SideBySide | undefined {
    /** Per key taken: the parts taken, or `whole` when a work named the whole key. */
    const taken = new Map<string, Set<string> | 'whole'>();
    const following = new Set<string>();
    const side: Waiting[] = [];
    const after: Waiting[] = [];
    for (const waiting of batch) {
      const { key, part } = waiting;
      if (key === undefined || following.has(key)) {
        after.push(waiting);
        continue;
      }
      const held = taken.get(key);
      if (held === undefined) {
        taken.set(key, part === undefined ? 'whole' : new Set([part]));
        side.push(waiting);
      } else if (held !== 'whole' && part !== undefined && !held.has(part)) {
        held.add(part);
        side.push(waiting);
      } else {
        following.add(key);
        after.push(waiting);
      }
    }
    return side.length < 2 ? undefined : { side, after };
  }

  /**
   * One transaction whose `side` works run side by side, then the `after` works one by one in
   * savepoints (`GroupCommitOptions.sideBySide`). If a work side by side did not end whole, the
   * transaction is rolled back before anything else runs, and the whole batch runs again as a
   * savepoint batch, in queue order. A failure of the transaction itself (its opening, a savepoint
   * lost, its COMMIT) fails every work, as for any batch: a COMMIT whose answer was lost may have
   * committed, and nothing that may already stand is run twice.
   */
  async function runSideBySide(batch: Waiting[], { side, after }: SideBySide): Promise<void> {
    let values: unknown[] = [];
    const outcomes: Outcome[] = [];
    let failure: { error: unknown } | undefined;
    // Set when a work side by side did not end whole and the transaction was rolled back for it.
    let runAgain = false;
    try {
      await transaction(async (trx, session) => {
        const failuresBefore = session?.failures();
        const settled = await Promise.allSettled(side.map((waiting) => runWork(waiting.work, trx)));
        // Every statement answered, none failed (a work may have caught a failure and gone on:
        // the transaction is then aborted), every work returned.
        const whole =
          session !== undefined &&
          session.inFlight() === 0 &&
          session.failures() === failuresBefore &&
          session.inTransaction() &&
          settled.every((outcome) => outcome.status === 'fulfilled');
        if (!whole) throw notWhole;
        values = settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : null));
        if (after.length > 0)
          await inSavepoints(trx, session, { works: after, begun: false, outcomes });
      });
    } catch (error) {
      if (error === notWhole) runAgain = true;
      else failure = { error };
    }
    if (runAgain) {
      // Rolled back, nothing run but the works side by side: all of them again, as a batch.
      counted.runAgain += side.length;
      counted.transactions += 1;
      await runBatch(batch);
      return;
    }
    for (const [k, waiting] of side.entries()) {
      if (failure === undefined) {
        counted.committed += 1;
        waiting.resolve(values[k]);
      } else {
        counted.failed += 1;
        waiting.reject(failure.error);
      }
    }
    settle(after, outcomes, failure);
  }

  const run = <T>(work: Work<T>, named?: WriteKey) =>
    new Promise<T>((resolve, reject) => {
      const waiting: Waiting = {
        work,
        key: typeof named === 'object' ? named.key : named,
        part: typeof named === 'object' ? named.part : undefined,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: undefined,
        askedAt: performance.now(),
      };
      waiting.timer = setTimeout(() => {
        const at = queue.indexOf(waiting);
        if (at < 0) return;
        queue.splice(at, 1);
        counted.waitExceeded += 1;
        counted.waitMs += performance.now() - waiting.askedAt;
        reject(new WriteWaitExceeded(waitLimitMs));
        // Not unref'd: a one-shot process (a CLI command) waiting on a write it started inside
        // another would otherwise end with nothing said; it is cleared once a batch takes it.
      }, waitLimitMs);
      queue.push(waiting);
      schedule();
    });
  const stats = (): WritePathStats => ({
    committed: counted.committed,
    failed: counted.failed,
    waitExceeded: counted.waitExceeded,
    transactions: counted.transactions,
    busySeconds: counted.busyMs / 1000,
    waitSeconds: counted.waitMs / 1000,
    runAgain: counted.runAgain,
  });
  return Object.assign(run, { stats });
}

/**
 * Lets statements a work issued but did not await (a `Promise.all` one of whose statements threw)
 * run before the work's changes are rolled back: run after the rollback, they would land outside
 * the work's savepoint — in the batch's transaction, committed with it, or in no transaction at
 * all. better-sqlite3 runs each statement synchronously once Kysely has passed it through its
 * microtasks, so one turn of the event loop is enough.
 */
export function settleStrayStatements(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `work` between SAVEPOINT and RELEASE; on its throw, rolls back to the savepoint and
 * reports the throw. A failing rollback (the engine aborted the whole transaction) propagates and
 * fails the batch. `begun`: the previous work's statements already opened the savepoint.
 * `chained`: another work follows and the engine joins statements, so the savepoint is left open
 * for it (RELEASE and SAVEPOINT in one text; after a rollback to it, the savepoint as it is).
 * On a connection that counts its statements (`WriteSession`), a chained work that ended whole
 * has its RELEASE sent ahead, unawaited, and the next work's statements follow it on the wire.
 */
async function inSavepoint(
  trx: Kysely<Database>,
  work: Work<unknown>,
  place: SavepointPlace,
  batch: BatchSession,
): Promise<Outcome> {
  if (!place.begun) await trx.executeQuery(begin);
  const failuresBefore = batch.session?.failures();
  let value: unknown;
  try {
    value = await runWork(work, trx);
  } catch (error) {
    await settleStrayStatements();
    await releaseAheadAnswered(batch);
    try {
      await trx.executeQuery(rollback);
    } catch (rollbackError) {
      throw new TransactionAborted(error, rollbackError);
    }
    if (!place.chained) await trx.executeQuery(release);
    return { ok: false, error };
  }
  const { session } = batch;
  if (
    place.chained &&
    session !== undefined &&
    session.inFlight() === 0 &&
    session.failures() === failuresBefore &&
    session.inTransaction()
  ) {
    // Every statement the work sent was answered and none failed, so its savepoint is whole and
    // its RELEASE cannot be refused: it goes out now, without waiting, ahead of the next work's
    // first statement (one round trip fewer per work). Should it fail all the same (the
    // connection lost), the next statement fails behind it, and whatever would roll back to a
    // savepoint first waits for its answer and fails the batch instead (`releaseAheadAnswered`):
    // nothing can then commit.
    const sent = trx.executeQuery(releaseAndBegin);
    sent.catch(() => undefined);
    batch.releasedAhead = sent;
    batch.releasedBy = place.index;
    return { ok: true, value };
  }
  try {
    await releaseAheadAnswered(batch);
    await trx.executeQuery(place.chained ? releaseAndBegin : release);
  } catch (releaseError) {
    if (releaseError instanceof TransactionAborted) throw releaseError;
    // The work caught an error that aborted its savepoint and went on (PostgreSQL refuses every
    // statement after one that failed): rolled back to its savepoint, it fails alone.
    try {
      await trx.executeQuery(rollback);
    } catch {
      // The work ended the transaction itself (ROLLBACK, or an error that aborts all of it).
      throw new TransactionAborted(releaseError, releaseError);
    }
    if (!place.chained) await trx.executeQuery(release);
    return { ok: false, error: releaseError };
  }
  return { ok: true, value };
}

/**
 * Waits for the RELEASE the previous work sent ahead, if any. If it was refused, the previous work's
 * savepoint is still open and a rollback to `grouped_write` would undo that work too, which has
 * already been counted a success: the whole batch fails instead (`TransactionAborted`), the work
 * whose RELEASE it was told the refusal, the others that the batch was lost.
 */
async function releaseAheadAnswered(batch: BatchSession): Promise<void> {
  const sent = batch.releasedAhead;
  if (sent === undefined) return;
  batch.releasedAhead = undefined;
  try {
    await sent;
  } catch (releaseError) {
    throw new TransactionAborted(releaseError, releaseError, batch.releasedBy);
  }
}

/** Thrown into a side-by-side transaction that must not commit: its works run again as a batch. */
const notWhole = new Error('A work run side by side did not end whole; the batch runs again.');

const begin = CompiledQuery.raw('savepoint grouped_write');
const release = CompiledQuery.raw('release savepoint grouped_write');
const rollback = CompiledQuery.raw('rollback to savepoint grouped_write');
/** Without parameters, so sent as a simple query, whose text may hold several statements. */
const releaseAndBegin = CompiledQuery.raw(
  'release savepoint grouped_write; savepoint grouped_write',
);
