/**
 * A job runner with the server's scheduled-job handlers (src/app/scheduled-work/scheduled-jobs.ts) on a test's
 * clock and store, as `startScheduledJobs` builds it in a server: tests drive it with `runDue`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AppDeps,
  type Clock,
  notificationJobHandlers,
  type ScheduledJobKind,
  type ScheduledJobOptions,
  scheduledJobHandlers,
} from '../../src/app/index.js';
import { loadAuditSigner } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { createJobRunner, type JobRunner, type RunnerEvent } from '../../src/jobs/index.js';

let signer: ReturnType<typeof loadAuditSigner> | undefined;

/** One signing key per test process, made on first use. */
function testSigner() {
  signer ??= loadAuditSigner(
    loadConfig({ env: {}, flags: { dataDir: mkdtempSync(join(tmpdir(), 'clearance-jobs-')) } }),
  );
  return signer;
}

export function scheduledRunner(input: {
  deps: AppDeps;
  clock: Clock;
  /** The recurring jobs to ensure, with their periods. */
  everyMs: Partial<Record<ScheduledJobKind, number>>;
  workerId?: string;
  hooks?: Partial<ScheduledJobOptions>;
  onEvent?: (event: RunnerEvent) => void;
}): JobRunner {
  return createJobRunner({
    store: input.deps.store,
    clock: input.clock,
    handlers: {
      ...scheduledJobHandlers(input.deps, {
        signer: testSigner(),
        blobGraceSeconds: 3600,
        keepUploadsSeconds: 3600,
        queueRetentionSeconds: 3600,
        ...input.hooks,
      }),
      ...notificationJobHandlers(input.deps),
    },
    recurring: Object.entries(input.everyMs).map(([kind, everyMs]) => ({
      kind,
      key: kind,
      everyMs: everyMs ?? 0,
    })),
    ...(input.workerId === undefined ? {} : { workerId: input.workerId }),
    ...(input.onEvent === undefined ? {} : { onEvent: input.onEvent }),
  });
}
