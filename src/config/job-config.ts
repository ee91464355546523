import { z } from 'zod';
import { configSection } from './config-section.js';

/** The recurring jobs' periods and the job runner. */
export const jobConfig = configSection({
  schema: {
    checkpointIntervalSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .describe(
        'How often an audit checkpoint is signed when the log has grown, as the recurring job `checkpoint.sign` (once per period across all servers; 0 = only on demand).',
      ),
    stateCheckIntervalSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .describe(
        'How often the database is checked against the audit log (as `clearance audit verify --state`), as the recurring job `state.check` (once per period across all servers); each server also checks once at start. Disagreeing rows are logged and counted in `/metrics` of the server that checked (0 = never).',
      ),
    emergencyExpiryIntervalSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .describe(
        'How often executed emergency changes past their policy’s `expiresAfter` are expired (standard gates re-run; rolled back unless they pass), as the recurring job `emergency.expire`. An emergency lasts at most this much past its window (0 = never: not recommended).',
      ),
    requestExpiryIntervalSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .describe(
        'How often open transition requests (pending or approved) older than their policy’s `requests.expireAfter` (default 14d) are closed as `expired`, as the recurring job `requests.expire` (once per period across all servers). Approving or executing a request past its lifetime is refused whenever the job last ran (0 = never close them: they stay open but refused).',
      ),
    reviewEscalationIntervalSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .describe(
        'How often post-incident review deadlines are checked, as the recurring job `reviews.escalate`: `review.due` once the last quarter of a review period begins, `review.overdue` (escalation) once it has passed, each once per request (0 = never).',
      ),
    rolloutEvaluateIntervalSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .describe(
        'How often every running or paused canary rollout is evaluated (windows decided, steps taken, rollback or completion applied), as the recurring job `rollout.evaluate`; each posted KPI batch also evaluates its rollout at once (0 = never: rollouts then move only on ingestion and manual actions).',
      ),
    queuePurgeIntervalSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .describe(
        'How often finished jobs and settled outbox events older than `queueRetentionSeconds` are deleted, as the recurring job `queue.purge` (0 = never).',
      ),
    queueRetentionSeconds: z.coerce
      .number()
      .int()
      .min(60)
      .describe('How long finished jobs and settled outbox events are kept before `queue.purge`.'),
    jobPollIntervalSeconds: z.coerce
      .number()
      .positive()
      .max(60)
      .describe(
        'How long the server’s job runner waits between polls when no job was due. A job committed meanwhile wakes it at once (from this server on both engines, from any server on PostgreSQL through LISTEN/NOTIFY); the poll bounds how late the others start: a retry whose time came, a lease that ran out, a job another server wrote to SQLite.',
      ),
    jobLeaseSeconds: z.coerce
      .number()
      .int()
      .min(5)
      .describe(
        'How long a claimed job is leased to its server (renewed every third of it while it runs); a server that dies loses its jobs to another after this.',
      ),
  },
  defaults: {
    checkpointIntervalSeconds: 60,
    stateCheckIntervalSeconds: 3600,
    emergencyExpiryIntervalSeconds: 30,
    requestExpiryIntervalSeconds: 300,
    reviewEscalationIntervalSeconds: 60,
    rolloutEvaluateIntervalSeconds: 30,
    queuePurgeIntervalSeconds: 3600,
    queueRetentionSeconds: 7 * 24 * 3600,
    jobPollIntervalSeconds: 1,
    jobLeaseSeconds: 60,
  },
  environment: {
    checkpointIntervalSeconds: ['CLEARANCE_CHECKPOINT_INTERVAL_SECONDS'],
    stateCheckIntervalSeconds: ['CLEARANCE_STATE_CHECK_INTERVAL_SECONDS'],
    emergencyExpiryIntervalSeconds: ['CLEARANCE_EMERGENCY_EXPIRY_INTERVAL_SECONDS'],
    requestExpiryIntervalSeconds: ['CLEARANCE_REQUEST_EXPIRY_INTERVAL_SECONDS'],
    reviewEscalationIntervalSeconds: ['CLEARANCE_REVIEW_ESCALATION_INTERVAL_SECONDS'],
    rolloutEvaluateIntervalSeconds: ['CLEARANCE_ROLLOUT_EVALUATE_INTERVAL_SECONDS'],
    queuePurgeIntervalSeconds: ['CLEARANCE_QUEUE_PURGE_INTERVAL_SECONDS'],
    queueRetentionSeconds: ['CLEARANCE_QUEUE_RETENTION_SECONDS'],
    jobPollIntervalSeconds: ['CLEARANCE_JOB_POLL_INTERVAL_SECONDS'],
    jobLeaseSeconds: ['CLEARANCE_JOB_LEASE_SECONDS'],
  },
});
