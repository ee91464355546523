/**
 * Runs attempts on the retry schedule until one is delivered, one fails for good, or the deadline
 * passes. The outbox worker will keep the schedule in the database instead of sleeping; this loop
 * serves `clearance notify test` and shows the schedule end to end in tests.
 */
import type { DeliveryAttempt } from './guarded-post.js';
import { nextAttemptAt, type RetrySchedule } from './retry-schedule.js';

export interface LoggedAttempt extends DeliveryAttempt {
  attempt: number;
  at: Date;
  /** When the next attempt is due, when there is one. */
  nextAt?: Date;
}

export interface RetryLoopInput {
  attempt: () => Promise<DeliveryAttempt>;
  schedule?: RetrySchedule;
  random?: () => number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

export interface RetryLoopResult {
  outcome: 'delivered' | 'failed' | 'gave_up';
  attempts: LoggedAttempt[];
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function deliverWithRetries(input: RetryLoopInput): Promise<RetryLoopResult> {
  const now = input.now ?? (() => new Date());
  const sleep = input.sleep ?? realSleep;
  const random = input.random ?? Math.random;
  const attempts: LoggedAttempt[] = [];
  const firstAttemptAt = now();
  for (let n = 1; ; n += 1) {
    const at = n === 1 ? firstAttemptAt : now();
    const result = await input.attempt();
    const logged: LoggedAttempt = { ...result, attempt: n, at };
    attempts.push(logged);
    if (result.outcome === 'delivered') return { outcome: 'delivered', attempts };
    if (result.outcome === 'failed') return { outcome: 'failed', attempts };
    const next = nextAttemptAt({
      failedAttempts: n,
      firstAttemptAt,
      failedAt: now(),
      random,
      ...(input.schedule === undefined ? {} : { schedule: input.schedule }),
      ...(result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs }),
    });
    if (next === undefined) return { outcome: 'gave_up', attempts };
    logged.nextAt = next;
    await sleep(Math.max(0, next.getTime() - now().getTime()));
  }
}
