/**
 * Child process for scheduled-processes.test.ts: one server's scheduled jobs (the real handlers of
 * src/app/scheduled-work/scheduled-jobs.ts) on a shared PostgreSQL, on the real clock, as
 * `startScheduledJobs` runs them in a server. Prints a JSON line per committed run and per
 * outcome; stops cleanly on SIGTERM.
 * Usage: scheduled-child.ts <PostgreSQL URL> <blob dir> <data dir> <worker id> <period ms>
 */
import {
  type AppDeps,
  type JobHandler,
  notificationJobHandlers,
  scheduledJobHandlers,
} from '../../src/app/index.js';
import { apiTokenIssuer } from '../../src/auth/index.js';
import { loadAuditSigner, uuidV7 } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { FileBlobStore } from '../../src/evidence/file-blob-store.js';
import { InProcessGateRunner } from '../../src/gate-runs/index.js';
import { createJobRunner } from '../../src/jobs/index.js';
import { createStore } from '../../src/store/index.js';

const [url, blobDir, dataDir, workerId, periodText] = process.argv.slice(2);
if (!url || !blobDir || !dataDir || !workerId || !periodText)
  throw new Error('usage: scheduled-child.ts <url> <blobs> <dataDir> <worker> <periodMs>');
const store = await createStore({ engine: 'postgres', url });
const say = (line: object) =>
  process.stdout.write(`${JSON.stringify({ worker: workerId, ...line })}\n`);

const clock = { now: () => new Date() };
const blobs = new FileBlobStore(blobDir);
const deps: AppDeps = {
  store,
  blobs,
  gateRunner: new InProcessGateRunner(blobs),
  clock,
  ids: uuidV7(clock),
  tokens: apiTokenIssuer,
};
const handlers = scheduledJobHandlers(deps, {
  signer: loadAuditSigner(loadConfig({ env: {}, flags: { dataDir } })),
  blobGraceSeconds: 3600,
  keepUploadsSeconds: 3600,
  queueRetentionSeconds: 3600,
  onSigned: (result) => say({ signed: result.signed }),
  onExpired: (outcomes) => say({ expired: outcomes }),
  onRequestsExpired: (outcomes) => say({ requestsExpired: outcomes }),
  onEscalated: (outcomes) => say({ escalated: outcomes }),
});
const kinds = [
  'checkpoint.sign',
  'state.check',
  'blobs.collect',
  'queue.purge',
  'emergency.expire',
  'requests.expire',
  'reviews.escalate',
  'rollout.evaluate',
] as const;

/** Reports a run after the handler returned (the runner then completes it). */
const reported =
  (handler: JobHandler): JobHandler =>
  async (context) => {
    await handler(context);
    say({ kind: context.job.kind, scheduledAt: context.job.scheduledAt });
  };

const runner = createJobRunner({
  store,
  clock,
  workerId,
  pollMs: 10,
  handlers: {
    ...Object.fromEntries(kinds.map((kind) => [kind, reported(handlers[kind])])),
    // No notification targets here: dispatch settles each event with no deliveries.
    'outbox.dispatch': notificationJobHandlers(deps)['outbox.dispatch'],
  },
  recurring: kinds.map((kind) => ({ kind, key: kind, everyMs: Number(periodText) })),
});
process.on('SIGTERM', () => {
  void runner
    .stop()
    .then(() => store.close())
    .then(() => process.exit(0));
});
await runner.start();
say({ ready: true });
