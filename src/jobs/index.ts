/**
 * Runs the durable work queue's jobs (ADR 009): polls the store for due jobs, runs each under a
 * lease with a time budget, and finishes, retries or releases it. The queue itself (outbox, jobs,
 * deliveries) lives in the store; handlers are use cases in `app/`.
 */
export { type Backoff, backoffDelayMs, defaultBackoff } from './backoff.js';
export {
  createJobRunner,
  type JobRunner,
  type JobRunnerOptions,
  type RecurringJob,
  type RunnerEvent,
} from './job-runner.js';
