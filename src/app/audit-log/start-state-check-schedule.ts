/**
 * The server proves its database against the audit log at start and then every `intervalMs`
 * (`checkStoredState`, as `clearance audit verify --state`). The latest result is kept for
 * `/metrics` (a gauge of disagreeing rows and the check's time) and handed to `onChecked`, which
 * logs it. With several servers on one PostgreSQL each checks; the check only reads.
 */
import type { AppDeps } from '../shared/app-deps.js';
import { repeatEvery } from '../shared/repeat-every.js';
import { checkStoredState, type StateCheck } from './check-stored-state.js';

export interface StateCheckSchedule {
  /** The latest completed check; undefined before the first one finishes. */
  latest(): StateCheck | undefined;
  /** Stops the schedule and waits for a running check. */
  stop(): Promise<void>;
}

export interface StateCheckScheduleOptions {
  onChecked?: (check: StateCheck) => void;
  /** A check that could not run (the database is down); the schedule keeps running. */
  onError?: (error: unknown) => void;
}

/** Starts checking now and every `intervalMs`; `intervalMs` 0 turns the check off entirely. */
export function startStateCheckSchedule(
  deps: AppDeps,
  intervalMs: number,
  options: StateCheckScheduleOptions = {},
): StateCheckSchedule {
  let latest: StateCheck | undefined;
  if (!(intervalMs > 0)) return { latest: () => undefined, stop: async () => undefined };
  const stop = repeatEvery({
    intervalMs,
    runNow: true,
    job: async () => {
      latest = await checkStoredState(deps);
      options.onChecked?.(latest);
    },
    ...(options.onError ? { onError: options.onError } : {}),
  });
  return { latest: () => latest, stop };
}
