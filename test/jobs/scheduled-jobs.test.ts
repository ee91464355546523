/**
 * The server's scheduled work as recurring jobs (src/app/scheduled-work/scheduled-jobs.ts), on both engines with
 * simulated time: three runners, as three servers on one database would have, run each period of
 * checkpoint signing, the state check, blob collection, the queue purge and emergency expiry
 * exactly once between them. `scheduledJobsOf` turns Config into those jobs.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { scheduledJobKinds } from '../../src/app/index.js';
import { openRegistry, scheduledJobsOf, startScheduledJobs } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import type { JobRunner, RunnerEvent } from '../../src/jobs/index.js';
import { openHarness } from '../app/state-fixtures.js';
import { sampleEvents } from '../notify/sample-events.js';
import { eachEngine } from '../store/engines.js';
import { scheduledRunner } from './scheduled-runner.js';

const minute = 60_000;

eachEngine('scheduled jobs', (engine) => {
  it('run once per period across three runners over three hours of simulated time', async () => {
    const h = await openHarness(engine);
    const start = h.clock.now().getTime();
    const everyMs = {
      'checkpoint.sign': 10 * minute,
      'state.check': 30 * minute,
      'blobs.collect': 60 * minute,
      'queue.purge': 60 * minute,
      'emergency.expire': 5 * minute,
    } as const;
    const runs: { worker: string; kind: string; scheduledAt: string }[] = [];
    const runners: JobRunner[] = [];
    for (const worker of ['a', 'b', 'c']) {
      // One store each: three connection pools on PostgreSQL, as three servers would have.
      const store = worker === 'a' ? h.store : await engine.openStore();
      runners.push(
        scheduledRunner({
          deps: { ...h.deps, store },
          clock: h.clock,
          everyMs,
          workerId: worker,
          onEvent: (event: RunnerEvent) => {
            expect(event.type).toBe('succeeded');
            runs.push({ worker, kind: event.job.kind, scheduledAt: event.job.scheduledAt });
          },
        }),
      );
    }
    await Promise.all(runners.map((runner) => runner.ensureRecurring()));
    for (let step = 0; h.clock.now().getTime() <= start + 3 * 60 * minute; step += 1) {
      const order = [...runners.slice(step % 3), ...runners.slice(0, step % 3)];
      await Promise.all(order.map((runner) => runner.runDue()));
      h.clock.advance(5 * minute);
    }
    for (const [kind, period] of Object.entries(everyMs)) {
      const expected = Array.from({ length: (3 * 60 * minute) / period + 1 }, (_, i) =>
        new Date(start + i * period).toISOString(),
      );
      const periods = runs.filter((run) => run.kind === kind).map((run) => run.scheduledAt);
      expect(periods, kind).toStrictEqual(expected);
    }
    expect(new Set(runs.map((run) => run.worker)).size).toBeGreaterThan(1);
    await Promise.all(runners.map((runner) => runner.stop()));
  }, 120_000);

  it('settles each outbox event with no target configured, and the purge then removes it', async () => {
    const h = await openHarness(engine);
    const dispatched: string[] = [];
    const runner = scheduledRunner({
      deps: h.deps,
      clock: h.clock,
      everyMs: { 'checkpoint.sign': 10 * minute, 'queue.purge': 60 * minute },
      onEvent: (event: RunnerEvent) => {
        expect(event.type).toBe('succeeded');
        if (event.job.kind === 'outbox.dispatch') dispatched.push(event.job.key);
      },
    });
    await runner.ensureRecurring();
    const sample = sampleEvents[0];
    if (sample === undefined) throw new Error('no sample event');
    const createdAt = h.clock.now().toISOString();
    await h.store.transaction((tx) =>
      tx.outbox.append({ id: 'evt_settle', type: sample.type, payload: sample, createdAt }),
    );
    for (let i = 0; i < 3; i += 1) {
      await runner.runDue();
      h.clock.advance(minute);
    }
    expect(dispatched.length).toBeGreaterThan(0);
    const ids = dispatched.map((key) => key.slice('outbox.dispatch:'.length));
    const kept = await h.store.read((tx) => Promise.all(ids.map((id) => tx.outbox.get(id))));
    expect(ids).toContain('evt_settle');
    expect(kept.every((event) => event !== undefined)).toBe(true);
    // Past the retention (an hour in this runner), the hourly purge removes the settled events.
    // (The file's database is shared with the test above, whose purge job runs on its own
    // schedule: six hours cover it.)
    for (let i = 0; i < 6; i += 1) {
      h.clock.advance(60 * minute);
      await runner.runDue();
    }
    const left = await h.store.read((tx) => Promise.all(ids.map((id) => tx.outbox.get(id))));
    expect(left).toEqual(ids.map(() => undefined));
    await runner.stop();
  });
});

it('Config names one recurring job per scheduled kind, leaving out intervals set to 0', () => {
  const config = loadConfig({
    env: {},
    flags: { blobGcIntervalSeconds: 0, emergencyExpiryIntervalSeconds: 7 },
  });
  const jobs = scheduledJobsOf(config);
  expect(jobs.map((job) => job.key).sort()).toStrictEqual(
    [...Object.values(scheduledJobKinds), 'notify.digest']
      .filter((kind) => kind !== 'blobs.collect')
      .sort(),
  );
  expect(jobs.find((job) => job.kind === 'emergency.expire')).toStrictEqual({
    kind: 'emergency.expire',
    key: 'emergency.expire',
    everyMs: 7000,
  });
  expect(jobs.find((job) => job.kind === 'checkpoint.sign')?.everyMs).toBe(60_000);
});

it('a server started with an interval of 0 cancels that job for every server; one with a period makes it again', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clearance-scheduled-'));
  const flags = { database: `sqlite:${join(dataDir, 'clearance.db')}`, dataDir };
  const started = async (emergencyExpiryIntervalSeconds: number) => {
    const registry = await openRegistry(
      loadConfig({ env: {}, flags: { ...flags, emergencyExpiryIntervalSeconds } }),
    );
    const runner = await startScheduledJobs(registry, { pollMs: 60_000 });
    await runner.stop();
    const job = await registry.store.read((tx) => tx.jobs.find('emergency.expire'));
    const purge = await registry.store.read((tx) => tx.jobs.find('queue.purge'));
    await registry.close();
    return { job, purge };
  };
  try {
    const first = await started(30);
    expect(first.job).toMatchObject({ everyMs: 30_000 });
    expect(first.job?.doneAt).toBeUndefined();
    const off = await started(0);
    expect(off.job).toMatchObject({ outcome: 'cancelled' });
    expect(off.job?.doneAt).toBeDefined();
    expect(off.purge?.doneAt).toBeUndefined();
    const again = await started(45);
    expect(again.job).toMatchObject({ everyMs: 45_000 });
    expect(again.job?.doneAt).toBeUndefined();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}, 60_000);
