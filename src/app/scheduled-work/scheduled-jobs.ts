/**
 * The server's scheduled work as job handlers for the durable queue (ADR 009): each runs once per
 * period across every server sharing the database, instead of once per server on a timer. The
 * composition root registers them with the job runner, with the periods from Config.
 */
import type { StateCheck } from '../audit-log/check-stored-state.js';
import { checkStoredState } from '../audit-log/check-stored-state.js';
import {
  type SignedCheckpointResult,
  signAuditCheckpoint,
} from '../audit-log/sign-audit-checkpoint.js';
import { type BlobCollection, collectBlobs } from '../registry/collect-blobs.js';
import { type EscalationOutcome, escalateReviews } from '../reviews/escalate-reviews.js';
import { evaluateRollouts, type SweepOutcome } from '../rollouts/evaluate-rollouts.js';
import type { AppDeps } from '../shared/app-deps.js';
import type { AuditSigner } from '../shared/ports.js';
import type { JobHandler } from '../shared/work-queue-ports.js';
import { type ExpiryOutcome, expireEmergencies } from '../transitions/expire-emergencies.js';
import { expireRequests, type RequestExpiryOutcome } from '../transitions/expire-requests.js';

/** Rows of each kind one purge transaction deletes at most. */
const purgeSlice = 1_000;

/** The recurring jobs' kinds, which are also their keys (one row each across servers). */
export const scheduledJobKinds = {
  checkpointSign: 'checkpoint.sign',
  stateCheck: 'state.check',
  blobsCollect: 'blobs.collect',
  queuePurge: 'queue.purge',
  emergencyExpire: 'emergency.expire',
  requestsExpire: 'requests.expire',
  reviewsEscalate: 'reviews.escalate',
  rolloutEvaluate: 'rollout.evaluate',
} as const;

export type ScheduledJobKind = (typeof scheduledJobKinds)[keyof typeof scheduledJobKinds];

export interface ScheduledJobOptions {
  signer: AuditSigner;
  /** `blobs.collect` keeps blobs uploaded within this many seconds (`blobGcGraceSeconds`). */
  blobGraceSeconds: number;
  /** `blobs.collect` purges upload-ledger rows older than this (the upload quota window). */
  keepUploadsSeconds: number;
  /** `queue.purge` deletes finished one-off jobs and settled outbox events older than this. */
  queueRetentionSeconds: number;
  onSigned?: (result: SignedCheckpointResult) => void;
  onChecked?: (check: StateCheck) => void;
  onCollected?: (run: BlobCollection) => void;
  onExpired?: (outcomes: ExpiryOutcome[]) => void;
  onRequestsExpired?: (outcomes: RequestExpiryOutcome[]) => void;
  onPurged?: (purged: { jobs: number; events: number }) => void;
  onEscalated?: (outcomes: EscalationOutcome[]) => void;
  onEvaluated?: (outcomes: SweepOutcome[]) => void;
}

/** One handler per scheduled job kind; a failure fails the attempt (retried with backoff). */
export function scheduledJobHandlers(
  deps: AppDeps,
  options: ScheduledJobOptions,
): Record<ScheduledJobKind, JobHandler> {
  return {
    [scheduledJobKinds.checkpointSign]: async () => {
      const result = await signAuditCheckpoint(deps, options.signer);
      if (result.signed) options.onSigned?.(result);
    },
    [scheduledJobKinds.stateCheck]: async () => {
      options.onChecked?.(await checkStoredState(deps));
    },
    [scheduledJobKinds.blobsCollect]: async () => {
      const run = await collectBlobs(deps, {
        job: 'blob-collector',
        graceSeconds: options.blobGraceSeconds,
        keepUploadsSeconds: options.keepUploadsSeconds,
      });
      if (run.blobs.length > 0 || run.abandonedWrites.files > 0) options.onCollected?.(run);
    },
    [scheduledJobKinds.queuePurge]: async ({ now, completeIn }) => {
      const before = new Date(now().getTime() - options.queueRetentionSeconds * 1000).toISOString();
      // A slice per transaction: a write holds the pages it changes in memory until it commits
      // (ADR 022), so a backlog is purged in many small writes; the last one completes the job.
      const purged = { jobs: 0, events: 0 };
      for (let full = true; full; ) {
        const slice = await deps.store.transaction(async (tx) => {
          const jobs = await tx.jobs.purgeFinishedBefore(before, purgeSlice);
          const events = await tx.outbox.purgeSettledBefore(before, purgeSlice);
          const more = jobs === purgeSlice || events === purgeSlice;
          if (!more) await completeIn(tx);
          return { jobs, events, more };
        });
        purged.jobs += slice.jobs;
        purged.events += slice.events;
        full = slice.more;
      }
      if (purged.jobs + purged.events > 0) options.onPurged?.(purged);
    },
    [scheduledJobKinds.emergencyExpire]: async ({ now }) => {
      const outcomes = await expireEmergencies(deps, { now: now() });
      if (outcomes.length > 0) options.onExpired?.(outcomes);
    },
    [scheduledJobKinds.requestsExpire]: async ({ now }) => {
      const outcomes = await expireRequests(deps, { now: now() });
      if (outcomes.length > 0) options.onRequestsExpired?.(outcomes);
    },
    [scheduledJobKinds.reviewsEscalate]: async ({ now }) => {
      const outcomes = await escalateReviews(deps, { now: now() });
      if (outcomes.length > 0) options.onEscalated?.(outcomes);
    },
    [scheduledJobKinds.rolloutEvaluate]: async ({ now }) => {
      const outcomes = await evaluateRollouts(deps, { now: now() });
      if (outcomes.length > 0) options.onEvaluated?.(outcomes);
    },
  };
}
