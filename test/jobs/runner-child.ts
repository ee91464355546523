/**
 * Child process for job-processes.test.ts: one job runner on a shared database, as one server
 * would run it. Prints one JSON line per event; stops cleanly on SIGTERM.
 * Usage: runner-child.ts <store config JSON> <worker id> <mode: work | hang>
 */
import type { JobHandler } from '../../src/app/index.js';
import { createJobRunner } from '../../src/jobs/index.js';
import { createStore, type StoreConfig } from '../../src/store/index.js';

const [configJson, workerId, mode] = process.argv.slice(2);
if (configJson === undefined || workerId === undefined || mode === undefined) {
  throw new Error('usage: runner-child.ts <config> <worker> <work|hang>');
}
const store = await createStore(JSON.parse(configJson) as StoreConfig);
const say = (line: object) =>
  process.stdout.write(`${JSON.stringify({ worker: workerId, ...line })}\n`);

/** Completes in the transaction of its effect, then reports: a line per committed run. */
const recordOnce: JobHandler = async ({ job, completeIn, now }) => {
  await store.transaction(async (tx) => {
    if (job.kind === 'test.work') {
      await tx.outbox.append({
        id: `ran:${job.key}`,
        type: 'test.ran',
        payload: { worker: workerId },
        createdAt: now().toISOString(),
      });
    }
    await completeIn(tx);
  });
  say({ kind: job.kind, key: job.key, scheduledAt: job.scheduledAt });
};

const hang: JobHandler = async ({ job }) => {
  say({ claimed: job.key });
  // Ignores its signal: only a kill ends it.
  await new Promise(() => undefined);
};

const runner = createJobRunner({
  store,
  clock: { now: () => new Date() },
  workerId,
  pollMs: 10,
  leaseMs: mode === 'hang' ? 10_000 : 30_000,
  handlers:
    mode === 'hang' ? { 'test.hang': hang } : { 'test.work': recordOnce, 'test.tick': recordOnce },
  recurring: mode === 'hang' ? [] : [{ kind: 'test.tick', key: 'tick', everyMs: 300 }],
});
process.on('SIGTERM', () => {
  void runner
    .stop()
    .then(() => store.close())
    .then(() => process.exit(0));
});
await runner.start();
say({ ready: true });
