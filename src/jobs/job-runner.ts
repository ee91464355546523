import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type {
  ClaimedJob,
  Clock,
  JobContext,
  JobHandler,
  Repositories,
  Store,
} from '../app/index.js';
import { ClearanceError } from '../domain/index.js';
import { type Backoff, backoffDelayMs } from './backoff.js';

/** A job that runs once per period across every process sharing the database. */
export interface RecurringJob {
  kind: string;
  key: string;
  everyMs: number;
  payload?: unknown;
}

/** What happened to a job, for logs, metrics and tests. */
export type RunnerEvent =
  | { type: 'succeeded'; job: ClaimedJob }
  | { type: 'retrying' | 'failed'; job: ClaimedJob; error: unknown }
  /** Its lease expired and another worker took the job over: nothing this worker did counts. */
  | { type: 'lost'; job: ClaimedJob; error?: unknown }
  /** The worker stopped first; the job is due again at once for another worker. */
  | { type: 'released'; job: ClaimedJob };

export interface JobRunnerOptions {
  store: Store;
  clock: Clock;
  /** By job kind; the runner claims only kinds it has a handler for. */
  handlers: Readonly<Record<string, JobHandler>>;
  /** Recurring jobs this process ensures exist at start (one row per key across processes). */
  recurring?: readonly RecurringJob[];
  /** Unique per process; default `host:pid:random`. */
  workerId?: string;
  /** How long a claim holds without renewal; renewed every third of it while a job runs. Default 60 s. */
  leaseMs?: number;
  /** Time a handler may take before its signal aborts and the attempt fails. Default 30 s. */
  budgetMs?: number;
  /**
   * Jobs run at once. While jobs are due the runner keeps this many running: each claim asks for
   * as many as there are free places, and a finished job's place is filled at once. Default 4.
   */
  concurrency?: number;
  /**
   * Wait between polls when nothing was due. The store's wake-up (`Store.watchJobs`: a commit in
   * this process, NOTIFY on PostgreSQL) ends the wait early; the poll is what finds jobs nobody
   * announced (another process's on SQLite, a lease that ran out, a retry's time come). Default 1 s.
   */
  pollMs?: number;
  backoff?: Backoff;
  /** Uniform in [0, 1), for the backoff's jitter; default Math.random. */
  random?: () => number;
  onEvent?: (event: RunnerEvent) => void;
  /** A poll or lease renewal that failed (the database briefly away); the runner carries on. */
  onError?: (error: unknown) => void;
}

export interface JobRunner {
  readonly workerId: string;
  /** Schedules each recurring job unless its key already has one (another process made it). */
  ensureRecurring(): Promise<void>;
  /** Ensures the recurring jobs, then polls until `stop`. */
  start(): Promise<void>;
  /**
   * Claims and runs jobs until none is due at the clock's time; returns how many ran. Tests
   * drive a fixed clock with it: 48 hours of schedule run in milliseconds.
   */
  runDue(): Promise<number>;
  /** Stops polling, aborts running handlers, releases their leases and waits for them. */
  stop(): Promise<void>;
}

const stopping = new Error('The job runner is stopping.');

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { store, clock, handlers } = options;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const leaseMs = options.leaseMs ?? 60_000;
  const budgetMs = options.budgetMs ?? 30_000;
  const concurrency = options.concurrency ?? 4;
  const pollMs = options.pollMs ?? 1_000;
  /** The loop claims again once this many places are free (or none is running). */
  const refillAt = Math.max(1, Math.ceil(concurrency / 2));
  const random = options.random ?? Math.random;
  const kinds = Object.keys(handlers);
  const now = () => clock.now().toISOString();
  const emit = (event: RunnerEvent) => options.onEvent?.(event);
  const running = new Set<AbortController>();
  /** Jobs the loop started and has not seen settle (their leases released, failed or done). */
  const inFlight = new Set<Promise<void>>();
  const halt = new AbortController();
  let loop: Promise<void> | undefined;
  let unwatch: (() => Promise<void>) | undefined;
  let starting: Promise<void> | undefined;
  /** Set by a wake-up; the loop claims again instead of waiting. */
  let woken = false;
  let onWake: (() => void) | undefined;
  function wake(): void {
    woken = true;
    onWake?.();
  }
  /** Until a wake-up, the stop, or `ms`. */
  function waitForWake(ms: number): Promise<void> {
    if (woken || halt.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        halt.signal.removeEventListener('abort', done);
        onWake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      halt.signal.addEventListener('abort', done, { once: true });
      onWake = done;
    });
  }

  async function ensureRecurring(): Promise<void> {
    const at = now();
    for (const job of options.recurring ?? []) {
      await store.transaction((tx) =>
        tx.jobs.schedule(
          { kind: job.kind, key: job.key, everyMs: job.everyMs, payload: job.payload, runAt: at },
          { at },
        ),
      );
    }
  }

  /** One claim of up to `concurrency` jobs, run together; how many were claimed. */
  async function sweep(): Promise<number> {
    if (halt.signal.aborted) return 0;
    const claimed = await store.transaction((tx) =>
      tx.jobs.claim({ workerId, at: now(), leaseMs, limit: concurrency, kinds }),
    );
    await Promise.all(claimed.map((job) => run(job)));
    return claimed.length;
  }

  async function run(job: ClaimedJob): Promise<void> {
    const handler = handlers[job.kind];
    if (handler === undefined) throw new Error(`No handler for job kind ${job.kind}`);
    // Claimed while the runner was being stopped: hand it straight back.
    if (halt.signal.aborted) return settleFailure(job, stopping);
    const controller = new AbortController();
    running.add(controller);
    let completed = false;
    const context: JobContext = {
      job,
      signal: controller.signal,
      now: () => clock.now(),
      async completeIn(tx: Repositories) {
        if (!(await tx.jobs.complete(job.claim, now()))) throw leaseLost(job);
        completed = true;
      },
    };
    const budget = setTimeout(
      () => controller.abort(new Error(`Job ${job.key} ran past its budget of ${budgetMs} ms.`)),
      budgetMs,
    );
    const heartbeat = setInterval(() => void renew(job, controller), Math.max(leaseMs / 3, 1));
    try {
      await untilAborted(handler(context), controller.signal);
      clearInterval(heartbeat);
      if (completed || (await store.transaction((tx) => tx.jobs.complete(job.claim, now())))) {
        emit({ type: 'succeeded', job });
      } else {
        emit({ type: 'lost', job });
      }
    } catch (error) {
      clearInterval(heartbeat);
      await settleFailure(job, controller.signal.aborted ? controller.signal.reason : error);
    } finally {
      clearTimeout(budget);
      running.delete(controller);
    }
  }

  async function renew(job: ClaimedJob, controller: AbortController): Promise<void> {
    try {
      const held = await store.transaction((tx) =>
        tx.jobs.renew(job.claim, { at: now(), leaseMs }),
      );
      if (!held) controller.abort(leaseLost(job));
    } catch (error) {
      // Tried again at the next beat; the lease still has two thirds of its time.
      options.onError?.(error);
    }
  }

  async function settleFailure(job: ClaimedJob, error: unknown): Promise<void> {
    if (error === stopping) {
      await store.transaction((tx) => tx.jobs.release(job.claim, now()));
      emit({ type: 'released', job });
      return;
    }
    const at = now();
    const delay = backoffDelayMs({
      failedAttempts: job.attempts,
      random,
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    });
    const retryAt = new Date(Date.parse(at) + delay).toISOString();
    const outcome = await store.transaction((tx) =>
      tx.jobs.fail(job.claim, { at, error: describe(error), retryAt }),
    );
    emit({ type: outcome, job, error });
  }

  async function runDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const ran = await sweep();
      if (ran === 0) return total;
      total += ran;
    }
  }

  /**
   * Keeps up to `concurrency` jobs running while any are due: claims as many as there are free
   * places, and claims again as soon as a place frees up or the store announces a due job. Only
   * a claim that found fewer than it asked for (nothing more is due) waits, for a wake-up or
   * `pollMs`, whichever comes first.
   */
  async function poll(): Promise<void> {
    while (!halt.signal.aborted) {
      // Jobs whose writes shared one commit (SQLite's group commit) all finish in this turn of
      // the event loop: one claim fills all of their places, and its jobs' writes share a commit.
      await new Promise((resolve) => setImmediate(resolve));
      const free = concurrency - inFlight.size;
      if (free < refillAt && inFlight.size > 0) {
        // Nearly full: a finishing job wakes the loop. Claiming for one place at a time would
        // put each job's writes in a commit of their own; half a batch keeps them together.
        woken = false;
        await waitForWake(pollMs);
        continue;
      }
      woken = false;
      let claimed: ClaimedJob[];
      try {
        claimed = await store.transaction((tx) =>
          tx.jobs.claim({ workerId, at: now(), leaseMs, limit: free, kinds }),
        );
      } catch (error) {
        // The database may be briefly away; the next poll tries again.
        options.onError?.(error);
        woken = false;
        await waitForWake(pollMs);
        continue;
      }
      for (const job of claimed) {
        const settled: Promise<void> = run(job)
          .catch((error: unknown) => options.onError?.(error))
          .finally(() => {
            inFlight.delete(settled);
            wake();
          });
        inFlight.add(settled);
      }
      // All places taken: more may be due. Fewer than asked: nothing more is, until told.
      if (claimed.length < free) await waitForWake(pollMs);
    }
  }

  return {
    workerId,
    ensureRecurring,
    start() {
      // One start however often it is called: two would each open a wake-up (a LISTEN
      // connection on PostgreSQL), and the first would never be closed.
      starting ??= (async () => {
        await ensureRecurring();
        try {
          unwatch = await store.watchJobs?.(wake);
        } catch (error) {
          // Without the wake-up the runner still finds every job, at its poll.
          options.onError?.(error);
        }
        if (halt.signal.aborted) {
          await unwatch?.();
          return;
        }
        loop ??= poll();
      })().catch((error: unknown) => {
        starting = undefined; // a failed start (the database away) may be tried again
        throw error;
      });
      return starting;
    },
    runDue,
    async stop() {
      halt.abort(stopping);
      for (const controller of running) controller.abort(stopping);
      await loop;
      await Promise.all(inFlight);
      while (running.size > 0) await sleep(5, undefined);
      await unwatch?.();
    },
  };
}

function leaseLost(job: ClaimedJob): ClearanceError {
  return new ClearanceError(
    'conflict',
    `The lease on job ${job.key} (attempt ${job.attempts}) expired and another worker took it over.`,
  );
}

/** Resolves with `work`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  // A handler that ignores its signal keeps running; its late failure must not go unhandled.
  work.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
