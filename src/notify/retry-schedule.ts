/**
 * When to try a failed delivery again: exponential backoff with "full jitter" (AWS Architecture
 * Blog, "Exponential Backoff And Jitter", 2015), so many deliveries failing together do not
 * retry together. After the n-th failed attempt (n ≥ 1) the delay is
 *
 *     delay(n) = max(minDelay, random() × min(maxDelay, baseDelay × 2^(n−1)))
 *
 * with `random()` uniform in [0, 1). The next attempt is at `failedAt + delay(n)`, stretched to a
 * receiver's `Retry-After` when it asked for longer (never beyond `maxDelay`). When that instant
 * would fall after `firstAttemptAt + deadline`, the delivery gives up.
 */
export interface RetrySchedule {
  baseDelayMs: number;
  maxDelayMs: number;
  minDelayMs: number;
  /** Measured from the first attempt. */
  deadlineMs: number;
}

/** 10 s, 20 s, 40 s … capped at 1 h per wait (each jittered below its cap), for up to 24 h. */
export const defaultRetrySchedule: RetrySchedule = {
  baseDelayMs: 10_000,
  maxDelayMs: 60 * 60_000,
  minDelayMs: 1_000,
  deadlineMs: 24 * 60 * 60_000,
};

export interface NextAttemptInput {
  /** How many attempts have failed so far, the one just made included (1 after the first). */
  failedAttempts: number;
  firstAttemptAt: Date;
  failedAt: Date;
  /** Uniform in [0, 1); injected so a schedule can be tested and replayed. */
  random: () => number;
  schedule?: RetrySchedule;
  /** From a 429 or 503 `Retry-After` header. */
  retryAfterMs?: number;
}

/** The backoff ceiling before jitter for the n-th failure: min(maxDelay, baseDelay × 2^(n−1)). */
export function backoffCeilingMs(failedAttempts: number, schedule = defaultRetrySchedule): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 52);
  return Math.min(schedule.maxDelayMs, schedule.baseDelayMs * 2 ** exponent);
}

/** The next attempt's time, or undefined when the deadline leaves no room for another. */
export function nextAttemptAt(input: NextAttemptInput): Date | undefined {
  const schedule = input.schedule ?? defaultRetrySchedule;
  const jittered = Math.floor(input.random() * backoffCeilingMs(input.failedAttempts, schedule));
  let delay = Math.max(schedule.minDelayMs, jittered);
  if (input.retryAfterMs !== undefined) {
    delay = Math.max(delay, Math.min(input.retryAfterMs, schedule.maxDelayMs));
  }
  const at = input.failedAt.getTime() + delay;
  if (at > input.firstAttemptAt.getTime() + schedule.deadlineMs) return undefined;
  return new Date(at);
}

/** A `Retry-After` header (seconds or an HTTP date) in milliseconds from `now`, when valid. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/u.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}
