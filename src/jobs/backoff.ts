/**
 * How long a failed job waits before its next attempt: exponential backoff with "equal jitter"
 * (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015). After the n-th failed attempt
 *
 *     ceiling(n) = min(maxDelay, baseDelay × 2^(n−1))
 *     delay(n)   = ceiling(n) / 2 + random() × ceiling(n) / 2
 *
 * so jobs failing together spread out, and each wait is at least half its ceiling (a job never
 * retries at once). Webhook deliveries pass their own time (notify/retry-schedule.ts) instead.
 */
export interface Backoff {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** 5 s, 10 s, 20 s … capped at 1 h (each between half and all of its cap). */
export const defaultBackoff: Backoff = { baseDelayMs: 5_000, maxDelayMs: 60 * 60_000 };

export function backoffDelayMs(input: {
  failedAttempts: number;
  /** Uniform in [0, 1); injected so tests can pin it. */
  random: () => number;
  backoff?: Backoff;
}): number {
  const { baseDelayMs, maxDelayMs } = input.backoff ?? defaultBackoff;
  const exponent = Math.min(Math.max(input.failedAttempts - 1, 0), 52);
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** exponent);
  return Math.floor(ceiling / 2 + input.random() * (ceiling / 2));
}
