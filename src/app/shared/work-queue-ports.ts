/**
 * Ports of the durable work queue (ADR 009): the transactional outbox, scheduled and queued jobs,
 * and the delivery log. They are repositories on `tx` like every other write, so an event or a
 * job commits or rolls back with the state change that caused it, on SQLite and PostgreSQL alike.
 * Instants are RFC 3339 strings taken from the injected Clock, never from the database's clock.
 */

import type { Repositories } from './ports.js';

/** An event as the outbox keeps it; the notification contract gives `type` and `payload`. */
export interface OutboxEvent {
  /** Unique per event (`evt_…`); deliveries send it as `webhook-id`, the same on every retry. */
  id: string;
  /** `approval.requested`, `rollout.rolled_back`, …: any string, so new types need no migration. */
  type: string;
  /** The event document as it will be sent; stored as canonical JSON. */
  payload: unknown;
  createdAt: string;
}

/** The job kind that `outbox.append` schedules for every event, keyed `outbox.dispatch:<id>`. */
export type OutboxDispatchKind = 'outbox.dispatch';

export interface OutboxRepository {
  /**
   * Writes `event` and schedules its dispatch job (kind `outbox.dispatch`, key
   * `outbox.dispatch:<id>`, payload `{ eventId }`, due at `createdAt`) in the caller's transaction.
   * An id already in the outbox is a conflict.
   */
  append(event: OutboxEvent): Promise<void>;
  get(id: string): Promise<OutboxEvent | undefined>;
  /**
   * Deletes at most `limit` events created before `at` whose deliveries are all settled, oldest
   * first; returns how many.
   */
  purgeSettledBefore(at: string, limit: number): Promise<number>;
}

/** What to run, when, and how often. */
export interface JobSpec {
  /** Picks the handler: `rollout.evaluate`, `checkpoint.sign`, `outbox.dispatch`, … */
  kind: string;
  /**
   * At most one unfinished job per key, across processes: `rollout.evaluate:<id>`,
   * `checkpoint.sign`. Scheduling a key that is still pending or running does not add a second.
   */
  key: string;
  /** JSON, handed to the handler as it was given. */
  payload?: unknown;
  runAt: string;
  /**
   * Makes the job recurring: each run (succeeded or given up) moves it to the next multiple of
   * `everyMs` after its scheduled time that lies in the future, so it runs once per period across
   * every process, and periods missed while nothing ran are skipped, not caught up. Scheduling
   * the key again with another period changes the period from the next occurrence on.
   */
  everyMs?: number;
  /** Attempts before a one-off job is given up (a recurring one moves to its next period); default 10. */
  maxAttempts?: number;
}

export interface ScheduleOptions {
  /** Now, by the clock: the job's creation time, and what "held by a worker now" is judged at. */
  at: string;
  /**
   * When the key is already unfinished: `keep` leaves that job as it is (default); `replace`
   * moves its run time and payload to the new spec unless a worker holds it now.
   */
  onExisting?: 'keep' | 'replace';
}

export interface ScheduleResult {
  id: string;
  /** `scheduled`: a new job; `kept`: one was pending; `replaced`: the pending one was moved. */
  outcome: 'scheduled' | 'kept' | 'replaced';
}

export type JobOutcome = 'succeeded' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  kind: string;
  key: string;
  payload: unknown;
  /** When it may next be claimed (moves with retries). */
  runAt: string;
  /** When this occurrence was due; a recurring job's periods count from it. */
  scheduledAt: string;
  everyMs?: number;
  /** Attempts started for the current occurrence, the running one included. */
  attempts: number;
  maxAttempts: number;
  lockedBy?: string;
  lockedUntil?: string;
  lastError?: string;
  /** Set once a one-off job finished; a recurring job is never done (see `cancel`). */
  doneAt?: string;
  /** How the job ended; for a recurring job, how its last occurrence ended. */
  outcome?: JobOutcome;
  createdAt: string;
}

/** Proof of a lease: only the holder of the current attempt may renew, finish or release it. */
export interface JobClaim {
  id: string;
  workerId: string;
  attempt: number;
}

export interface ClaimedJob extends Job {
  claim: JobClaim;
  lockedBy: string;
  lockedUntil: string;
}

export interface ClaimInput {
  workerId: string;
  at: string;
  /** The lease: after `at + leaseMs` without a renewal, another worker may claim the job. */
  leaseMs: number;
  limit: number;
  /** Only jobs of these kinds (the ones the worker has handlers for). */
  kinds: readonly string[];
}

export type FailOutcome = 'retrying' | 'failed' | 'lost';

export interface JobRepository {
  schedule(spec: JobSpec, options: ScheduleOptions): Promise<ScheduleResult>;
  /**
   * Claims up to `limit` due jobs (run time reached, not leased or lease expired), oldest first,
   * and leases them to `workerId`. Each due job goes to exactly one concurrent claimer: PostgreSQL
   * locks the rows `FOR UPDATE SKIP LOCKED`, SQLite holds its one write lock. Run it in its own
   * short transaction, so the lease is visible before the work starts.
   */
  claim(input: ClaimInput): Promise<ClaimedJob[]>;
  /** Extends the lease; false when the claim is no longer current (expired and taken over). */
  renew(claim: JobClaim, input: { at: string; leaseMs: number }): Promise<boolean>;
  /**
   * Finishes the claimed attempt: a one-off job is done, a recurring one moves to its next
   * period. False when the claim is no longer current. Called inside the transaction that makes
   * the job's changes, it makes them exactly once: on false, throw, and the changes roll back.
   */
  complete(claim: JobClaim, at: string): Promise<boolean>;
  /**
   * Records a failed attempt: `retrying` (due again at `retryAt`), `failed` (attempts exhausted:
   * a one-off job is done with outcome `failed`, a recurring one moves to its next period), or
   * `lost` (the claim is no longer current; nothing changed).
   */
  fail(
    claim: JobClaim,
    input: { at: string; error: string; retryAt: string },
  ): Promise<FailOutcome>;
  /** Gives the lease back without counting the attempt (a worker stopping); due again at `at`. */
  release(claim: JobClaim, at: string): Promise<boolean>;
  /** Ends the unfinished job with this key (outcome `cancelled`); false when there was none. */
  cancel(key: string, at: string): Promise<boolean>;
  /** The unfinished job with this key, else the one that finished last. */
  find(key: string): Promise<Job | undefined>;
  /** Deletes at most `limit` one-off jobs finished before `at`, oldest first; returns how many. */
  purgeFinishedBefore(at: string, limit: number): Promise<number>;
}

/** Where one event goes: `webhook:<subscription id>`, `slack:<name>`, `email:<address>`, … */
export type DeliveryTarget = string;

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  eventId: string;
  target: DeliveryTarget;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt?: string;
  lastStatusCode?: number;
  lastError?: string;
  firstAttemptAt?: string;
  lastAttemptAt?: string;
  lastDurationMs?: number;
  deliveredAt?: string;
  createdAt: string;
}

/** The job kind that sends one delivery, keyed `outbox.deliver:<event id>:<target>`. */
export type DeliveryJobKind = 'outbox.deliver';

export interface DeliveryAttempt {
  eventId: string;
  target: DeliveryTarget;
  at: string;
  durationMs: number;
  statusCode?: number;
  error?: string;
  /** `retrying` needs `nextAttemptAt`. */
  outcome: 'delivered' | 'retrying' | 'failed';
  nextAttemptAt?: string;
}

/** One attempt as the delivery log keeps it (numbered from 1 per delivery). */
export interface LoggedDeliveryAttempt {
  attempt: number;
  at: string;
  outcome: DeliveryAttempt['outcome'];
  statusCode?: number;
  error?: string;
  durationMs: number;
  nextAttemptAt?: string;
}

export interface DeliveryRepository {
  /**
   * One pending delivery per target of the event, each with its `outbox.deliver` job (payload
   * `{ eventId, target }`) due at `at`. Targets already planned are left alone, so a dispatch
   * that runs twice plans once. With `job: false` no job is scheduled: something else sends
   * them (the daily digest).
   */
  plan(
    eventId: string,
    targets: readonly DeliveryTarget[],
    at: string,
    options?: { job?: boolean },
  ): Promise<number>;
  /** Records an attempt on the delivery and in its attempt log (status code, error, timing). */
  recordAttempt(attempt: DeliveryAttempt): Promise<void>;
  /**
   * Sends it again: back to pending, its deadline counted afresh from the next attempt, with its
   * `outbox.deliver` job due at `at` (a retry that waits is moved to `at`).
   */
  redeliver(eventId: string, target: DeliveryTarget, at: string): Promise<boolean>;
  get(eventId: string, target: DeliveryTarget): Promise<Delivery | undefined>;
  list(eventId: string): Promise<Delivery[]>;
  /** One target's deliveries, newest first, at most `limit`. */
  listByTarget(target: DeliveryTarget, limit: number): Promise<Delivery[]>;
  /** Pending deliveries whose target starts with `prefix`, oldest first. */
  listPending(prefix: string): Promise<Delivery[]>;
  /** The delivery's attempts, first first. */
  attempts(eventId: string, target: DeliveryTarget): Promise<LoggedDeliveryAttempt[]>;
}

export interface WorkQueueRepositories {
  outbox: OutboxRepository;
  jobs: JobRepository;
  deliveries: DeliveryRepository;
}

/**
 * What a handler gets: the claimed job, a signal that aborts when its time budget ends, its lease
 * is lost or the worker stops, and the clock's time.
 */
export interface JobContext {
  job: ClaimedJob;
  signal: AbortSignal;
  now(): Date;
  /**
   * Completes the job inside `tx`, the transaction that makes its changes, so they commit
   * exactly once: when the lease was lost (expired and taken over), it throws and they roll back.
   */
  completeIn(tx: Repositories): Promise<void>;
}

/**
 * Runs one job. Resolving completes it (unless `completeIn` already did); throwing fails the
 * attempt, retried with backoff. Work with effects outside the database (a webhook) may run again
 * after a crash or a lost lease: at least once, with an idempotency key the receiver dedupes on.
 */
export type JobHandler = (context: JobContext) => Promise<void>;
