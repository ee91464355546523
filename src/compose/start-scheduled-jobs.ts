import {
  type DeliveryReport,
  notificationJobHandlers,
  notificationJobKinds,
  type ScheduledJobKind,
  type ScheduledJobOptions,
  scheduledJobHandlers,
  scheduledJobKinds,
} from '../app/index.js';
import type { Config } from '../config.js';
import {
  createJobRunner,
  type JobRunner,
  type JobRunnerOptions,
  type RecurringJob,
} from '../jobs/index.js';
import type { Registry } from './registry.js';

/**
 * The recurring jobs of Config: one per scheduled kind whose interval is not 0. Each runs once
 * per period across every server on the database (ADR 009).
 */
export function scheduledJobsOf(config: Config): RecurringJob[] {
  const periods: Record<ScheduledJobKind | typeof notificationJobKinds.digest, number> = {
    [scheduledJobKinds.checkpointSign]: config.checkpointIntervalSeconds,
    [scheduledJobKinds.stateCheck]: config.stateCheckIntervalSeconds,
    [scheduledJobKinds.blobsCollect]: config.blobGcIntervalSeconds,
    [scheduledJobKinds.queuePurge]: config.queuePurgeIntervalSeconds,
    [scheduledJobKinds.emergencyExpire]: config.emergencyExpiryIntervalSeconds,
    [scheduledJobKinds.requestsExpire]: config.requestExpiryIntervalSeconds,
    [scheduledJobKinds.reviewsEscalate]: config.reviewEscalationIntervalSeconds,
    [notificationJobKinds.digest]: config.notifyDigestIntervalSeconds,
    [scheduledJobKinds.rolloutEvaluate]: config.rolloutEvaluateIntervalSeconds,
  };
  return Object.entries(periods)
    .filter(([, seconds]) => seconds > 0)
    .map(([kind, seconds]) => ({ kind, key: kind, everyMs: seconds * 1000 }));
}

type ScheduledJobHooks = Omit<
  ScheduledJobOptions,
  'signer' | 'blobGraceSeconds' | 'keepUploadsSeconds' | 'queueRetentionSeconds'
> &
  Partial<Pick<JobRunnerOptions, 'onEvent' | 'onError' | 'clock' | 'workerId' | 'pollMs'>> & {
    onDelivery?: (report: DeliveryReport) => void;
    onDisabled?: (subscriptionId: string) => void;
  };

/**
 * The job runner over the registry's store with the scheduled jobs' handlers, started: it
 * ensures the recurring jobs of Config, cancels those whose interval is now 0 (for every server
 * on the database), and polls every `jobPollIntervalSeconds`.
 */
export async function startScheduledJobs(
  registry: Registry,
  hooks: ScheduledJobHooks = {},
): Promise<JobRunner> {
  const { config, store } = registry;
  const { onEvent, onError, clock, workerId, pollMs, onDelivery, onDisabled, ...callbacks } = hooks;
  const handlers = {
    ...scheduledJobHandlers(registry.deps, {
      signer: registry.auditSigner,
      blobGraceSeconds: config.blobGcGraceSeconds,
      keepUploadsSeconds: config.uploadQuotaWindowSeconds,
      queueRetentionSeconds: config.queueRetentionSeconds,
      ...callbacks,
    }),
    ...notificationJobHandlers(registry.deps, {
      ...(onDelivery === undefined ? {} : { onDelivery }),
      ...(onDisabled === undefined ? {} : { onDisabled }),
    }),
  };
  const recurring = scheduledJobsOf(config);
  const runClock = clock ?? registry.deps.clock;
  const at = runClock.now().toISOString();
  for (const kind of [...Object.values(scheduledJobKinds), notificationJobKinds.digest]) {
    if (recurring.some((job) => job.key === kind)) continue;
    await store.transaction((tx) => tx.jobs.cancel(kind, at));
  }
  const runner = createJobRunner({
    store,
    clock: runClock,
    handlers,
    recurring,
    leaseMs: config.jobLeaseSeconds * 1000,
    pollMs: pollMs ?? config.jobPollIntervalSeconds * 1000,
    ...(workerId === undefined ? {} : { workerId }),
    ...(onEvent === undefined ? {} : { onEvent }),
    ...(onError === undefined ? {} : { onError }),
  });
  await runner.start();
  return runner;
}
