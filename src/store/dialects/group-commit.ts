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
 * One thing a batch does that single transactions did not: it keeps the locks of its earlier works
 * (the audit_head row above all) while a later work takes more, so two servers' batches on
 * PostgreSQL can deadlock where their requests alone would only have queued. A work that fails
 * with such a concurrency error (deadlock, serialisation failure, a busy database), alone in its
 * savepoint or with the whole batch, is therefore run again alone, in a transaction of its own,
 * after the batch; so is a work that ran alone and lost such a deadlock to another server's
 * batch. Up to `maxAttempts` in all: a work fails only if it keeps losing. Works may run more
 * than once for this reason (nothing they did in a failed attempt was committed).
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.js';

type Work<T> = (trx: Kysely<Database>) => Promise<T>;
/** Runs `body` in one database transaction: commit on resolve, roll back on throw. */
export type TransactionRunner = <T>(body: Work<T>) => Promise<T>;

interface Waiting {
  work: Work<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Bounds a batch's latency: the last work of a batch waits for all before it. 128 creates take
 * a few milliseconds of statements, well inside the write targets' p99.
 */
const maxBatch = 128;
/** Attempts of one work that keeps losing deadlocks before its error is reported. */
const maxAttempts = 3;

/**
 * `transaction`, made to share its transactions between concurrent callers. `retryAlone` says
 * which errors came from contention with other transactions (the engine rolled back, nothing
 * committed), so the work is worth running again without the batch's locks around it.
 */
export function groupCommitting(
  transaction: TransactionRunner,
  retryAlone: (error: unknown) => boolean,
): TransactionRunner {
  const queue: Waiting[] = [];

  async function runAlone(waiting: Waiting, attemptsLeft: number): Promise<void> {
    try {
      waiting.resolve(await transaction(waiting.work));
    } catch (error) {
      if (attemptsLeft > 1 && retryAlone(error)) await runAlone(waiting, attemptsLeft - 1);
      else waiting.reject(error);
    }
  }

  let scheduled = false;

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // setImmediate, not a microtask: requests whose bytes arrived meanwhile are parsed first (the
    // poll phase) and join this batch instead of the next.
    setImmediate(() => {
      void runBatch(queue.splice(0, maxBatch)).finally(() => {
        scheduled = false;
        if (queue.length > 0) schedule();
      });
    });
  }

  async function runBatch(batch: Waiting[]): Promise<void> {
    const [only] = batch;
    if (batch.length === 1 && only !== undefined) {
      // Alone, a work needs no savepoint: its own throw rolls the transaction back.
      await runAlone(only, maxAttempts);
      return;
    }
    const outcomes: Outcome[] = [];
    let failure: { error: unknown } | undefined;
    try {
      await transaction(async (trx) => {
        for (const waiting of batch) outcomes.push(await inSavepoint(trx, waiting.work));
      });
    } catch (error) {
      failure = { error };
    }
    const again: Waiting[] = [];
    for (const [k, waiting] of batch.entries()) {
      const outcome = outcomes[k];
      // Nothing committed when the batch failed: its successful works fail with it.
      const error = outcome?.ok === false ? outcome.error : failure?.error;
      if (failure === undefined && outcome?.ok) waiting.resolve(outcome.value);
      else if (retryAlone(error)) again.push(waiting);
      else waiting.reject(error ?? new Error('A grouped write has no outcome.'));
    }
    for (const waiting of again) await runAlone(waiting, maxAttempts - 1);
  }

  return <T>(work: Work<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      schedule();
    });
}

/**
 * Runs `work` between SAVEPOINT and RELEASE; on its throw, rolls back to the savepoint and
 * reports the throw. A failing rollback (the engine aborted the whole transaction) propagates and
 * fails the batch.
 */
async function inSavepoint(trx: Kysely<Database>, work: Work<unknown>): Promise<Outcome> {
  await sql`savepoint grouped_write`.execute(trx);
  let value: unknown;
  try {
    value = await work(trx);
  } catch (error) {
    await sql`rollback to savepoint grouped_write`.execute(trx);
    await sql`release savepoint grouped_write`.execute(trx);
    return { ok: false, error };
  }
  await sql`release savepoint grouped_write`.execute(trx);
  return { ok: true, value };
}
