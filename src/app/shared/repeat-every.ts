/**
 * A per-process loop, for work that belongs to one process: the access-denial summaries flush
 * what that process counted (work shared by servers is a recurring job:
 * scheduled-work/scheduled-jobs.ts). `job` every `intervalMs`, never two at once — a run slower than
 * the interval skips the next tick — and a failure goes to `onError` without stopping the loop.
 * The timer does not keep the process alive. `intervalMs` 0 (or less) runs nothing.
 */
export interface RepeatOptions {
  intervalMs: number;
  job: () => Promise<unknown>;
  onError?: (error: unknown) => void;
  /** Runs once at once as well as on every tick. */
  runNow?: boolean;
}

/** Starts the loop; the returned function stops it and waits for a running job. */
export function repeatEvery(options: RepeatOptions): () => Promise<void> {
  if (!(options.intervalMs > 0)) return async () => undefined;
  let running: Promise<unknown> | undefined;
  const tick = () => {
    running ??= options
      .job()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        running = undefined;
      });
  };
  if (options.runNow) tick();
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
