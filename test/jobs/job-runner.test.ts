/**
 * The job runner on both engines with simulated time: recurring jobs once per period across three
 * workers over 48 hours, backoff on failure, the time budget, a dead worker's lease taken over,
 * exactly-once database effects through `completeIn`, and a clean stop.
 */
import { expect, it } from 'vitest';
import type { JobHandler, Store } from '../../src/app/index.js';
import { createJobRunner, type JobRunner, type RunnerEvent } from '../../src/jobs/index.js';
import { fixedClock } from '../fakes/fixed-clock.js';
import { eachEngine } from '../store/engines.js';

const start = '2026-03-01T00:00:00.000Z';
const minute = 60_000;
const hour = 60 * minute;

eachEngine('job runner', (engine) => {
  it('runs recurring jobs once per period across three workers over 48 hours of simulated time', async () => {
    const clock = fixedClock(start);
    const runs: { worker: string; key: string; scheduledAt: string; at: string }[] = [];
    const recorder =
      (worker: string): JobHandler =>
      async ({ job, now }) => {
        runs.push({ worker, key: job.key, scheduledAt: job.scheduledAt, at: now().toISOString() });
      };
    const runners: JobRunner[] = [];
    for (const worker of ['a', 'b', 'c']) {
      // One store each: three connection pools on PostgreSQL, as three servers would have.
      const store = await engine.openStore();
      runners.push(
        createJobRunner({
          store,
          clock,
          workerId: worker,
          handlers: { 'test.tick': recorder(worker), 'test.hourly': recorder(worker) },
          recurring: [
            { kind: 'test.tick', key: 'tick', everyMs: 15 * minute },
            { kind: 'test.hourly', key: 'hourly', everyMs: hour },
          ],
        }),
      );
    }
    // Every server ensures the same recurring jobs at start; each key gets one row.
    await Promise.all(runners.map((runner) => runner.ensureRecurring()));
    const ends = Date.parse(start) + 48 * hour;
    for (let step = 0; clock.now().getTime() < ends; step += 1) {
      clock.advance(5 * minute);
      // Rotated, so each worker is sometimes first to claim (SQLite serialises them in order).
      const order = [...runners.slice(step % 3), ...runners.slice(0, step % 3)];
      await Promise.all(order.map((runner) => runner.runDue()));
    }
    const periods = (key: string) =>
      runs.filter((run) => run.key === key).map((r) => r.scheduledAt);
    const expected = (everyMs: number) =>
      Array.from({ length: (48 * hour) / everyMs + 1 }, (_, i) =>
        new Date(Date.parse(start) + i * everyMs).toISOString(),
      );
    expect(periods('tick')).toStrictEqual(expected(15 * minute));
    expect(periods('hourly')).toStrictEqual(expected(hour));
    for (const run of runs) expect(run.at >= run.scheduledAt).toBe(true);
    expect(new Set(runs.map((run) => run.worker)).size).toBeGreaterThan(1);
  }, 120_000);

  it('retries a failing job with growing backoff, then succeeds', async () => {
    const store = await engine.openStore();
    const clock = fixedClock(start);
    const attempts: string[] = [];
    const events: RunnerEvent['type'][] = [];
    const runner = createJobRunner({
      store,
      clock,
      random: () => 0,
      backoff: { baseDelayMs: 10_000, maxDelayMs: hour },
      onEvent: (event) => events.push(event.type),
      handlers: {
        'test.flaky': async ({ now }) => {
          attempts.push(now().toISOString());
          if (attempts.length < 3) throw new Error(`refused ${attempts.length}`);
        },
      },
    });
    await enqueue(store, 'test.flaky', 'flaky', clock.now());
    expect(await runner.runDue()).toBe(1);
    // With random() = 0 the waits are half their ceilings: 5 s, then 10 s.
    clock.advance(4_999);
    expect(await runner.runDue()).toBe(0);
    clock.advance(1);
    expect(await runner.runDue()).toBe(1);
    clock.advance(9_999);
    expect(await runner.runDue()).toBe(0);
    clock.advance(1);
    expect(await runner.runDue()).toBe(1);
    expect(attempts).toStrictEqual([start, plus(5_000), plus(15_000)]);
    expect(events).toStrictEqual(['retrying', 'retrying', 'succeeded']);
    const job = await store.read((tx) => tx.jobs.find('flaky'));
    expect(job).toMatchObject({ outcome: 'succeeded', attempts: 3 });
    expect(job).not.toHaveProperty('lastError');
  });

  it('aborts a handler that runs past its budget and fails the attempt', async () => {
    const store = await engine.openStore();
    const clock = fixedClock(start);
    let sawAbort = false;
    const runner = createJobRunner({
      store,
      clock,
      budgetMs: 50,
      handlers: {
        'test.slow': ({ signal }) =>
          new Promise<void>((resolve) => {
            signal.addEventListener('abort', () => {
              sawAbort = true;
              resolve();
            });
          }),
      },
    });
    await enqueue(store, 'test.slow', 'slow', clock.now());
    expect(await runner.runDue()).toBe(1);
    expect(sawAbort).toBe(true);
    const job = await store.read((tx) => tx.jobs.find('slow'));
    expect(job?.lastError).toBe('Job slow ran past its budget of 50 ms.');
    expect(job?.doneAt).toBeUndefined();
    expect((job?.runAt ?? '') > start).toBe(true);
  });

  it('takes over the job of a worker that died holding it, once its lease expires', async () => {
    const store = await engine.openStore();
    const clock = fixedClock(start);
    await enqueue(store, 'test.orphan', 'orphan', clock.now());
    const [dead] = await store.transaction((tx) =>
      tx.jobs.claim({
        workerId: 'killed',
        at: clock.now().toISOString(),
        leaseMs: minute,
        limit: 1,
        kinds: ['test.orphan'],
      }),
    );
    const ran: number[] = [];
    const runner = createJobRunner({
      store,
      clock,
      leaseMs: minute,
      handlers: {
        'test.orphan': async ({ job, completeIn }) => {
          ran.push(job.attempts);
          await store.transaction(async (tx) => {
            await tx.outbox.append({
              id: `evt-${job.id}`,
              type: 'test.effect',
              payload: {},
              createdAt: clock.now().toISOString(),
            });
            await completeIn(tx);
          });
        },
      },
    });
    clock.advance(minute - 1);
    expect(await runner.runDue()).toBe(0);
    clock.advance(1);
    expect(await runner.runDue()).toBe(1);
    expect(ran).toStrictEqual([2]);
    // The dead worker, back too late, finishes nothing.
    if (dead === undefined) throw new Error('no claim');
    expect(await store.transaction((tx) => tx.jobs.complete(dead.claim, plus(minute)))).toBe(false);
    expect(await store.read((tx) => tx.outbox.get(`evt-${dead.id}`))).toBeDefined();
  });

  it('rolls back a handler’s changes when its lease was taken over before it completed', async () => {
    const store = await engine.openStore();
    const clock = fixedClock(start);
    await enqueue(store, 'test.late', 'late', clock.now());
    const events: RunnerEvent['type'][] = [];
    const runner = createJobRunner({
      store,
      clock,
      leaseMs: minute,
      onEvent: (event) => events.push(event.type),
      handlers: {
        'test.late': async ({ job, completeIn }) => {
          // Meanwhile the lease expires and another worker takes the job.
          clock.advance(minute);
          await store.transaction((tx) =>
            tx.jobs.claim({
              workerId: 'other',
              at: clock.now().toISOString(),
              leaseMs: minute,
              limit: 1,
              kinds: ['test.late'],
            }),
          );
          await store.transaction(async (tx) => {
            await tx.outbox.append({
              id: `evt-late-${job.id}`,
              type: 'test.effect',
              payload: {},
              createdAt: clock.now().toISOString(),
            });
            await completeIn(tx);
          });
        },
      },
    });
    expect(await runner.runDue()).toBe(1);
    expect(events).toStrictEqual(['lost']);
    const job = await store.read((tx) => tx.jobs.find('late'));
    expect(job?.lockedBy).toBe('other');
    expect(await store.read((tx) => tx.outbox.get(`evt-late-${job?.id}`))).toBeUndefined();
  });

  it('renews the lease while a job runs longer than the lease, so no other worker takes it', async () => {
    const store = await engine.openStore();
    // Simulated time: on the real clock a loaded machine can delay the heartbeat past the lease.
    const clock = fixedClock(start);
    await enqueue(store, 'test.steady', 'steady', clock.now());
    const ran: string[] = [];
    let finish = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const handler =
      (worker: string): JobHandler =>
      async () => {
        ran.push(worker);
        await finished;
      };
    const holder = createJobRunner({
      store,
      clock,
      leaseMs: 400,
      handlers: { 'test.steady': handler('holder') },
    });
    const rival = createJobRunner({ store, clock, handlers: { 'test.steady': handler('rival') } });
    const holding = holder.runDue();
    await until(() => ran.length > 0);
    const lockedUntil = async () =>
      Date.parse((await store.read((tx) => tx.jobs.find('steady')))?.lockedUntil ?? '');
    let rivalRuns = 0;
    // Five steps of 300 ms, each under the 400 ms lease, 1.5 s in all: without renewal the lease
    // would be gone by the second. Each step waits for the heartbeat to renew from the new time.
    for (let i = 0; i < 5; i += 1) {
      clock.advance(300);
      const renewedTo = clock.now().getTime() + 400;
      await until(async () => (await lockedUntil()) === renewedTo);
      rivalRuns += await rival.runDue();
    }
    finish();
    expect(await holding).toBe(1);
    expect(rivalRuns).toBe(0);
    expect(ran).toStrictEqual(['holder']);
    expect(await store.read((tx) => tx.jobs.find('steady'))).toMatchObject({
      outcome: 'succeeded',
    });
  });

  it('stops cleanly, releasing a running job for another worker at once', async () => {
    const store = await engine.openStore();
    const clock = fixedClock(start);
    await enqueue(store, 'test.long', 'long', clock.now());
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const events: RunnerEvent['type'][] = [];
    const runner = createJobRunner({
      store,
      clock,
      pollMs: 5,
      onEvent: (event) => events.push(event.type),
      handlers: {
        'test.long': ({ signal }) => {
          started();
          return new Promise<void>((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason)),
          );
        },
      },
    });
    await runner.start();
    await running;
    await runner.stop();
    expect(events).toStrictEqual(['released']);
    const job = await store.read((tx) => tx.jobs.find('long'));
    expect(job).toMatchObject({ attempts: 0, runAt: start });
    expect(job?.lockedBy).toBeUndefined();
  });
});

function plus(ms: number): string {
  return new Date(Date.parse(start) + ms).toISOString();
}

async function enqueue(store: Store, kind: string, key: string, at: Date): Promise<void> {
  const iso = at.toISOString();
  await store.transaction((tx) => tx.jobs.schedule({ kind, key, runAt: iso }, { at: iso }));
}

/** Polls `condition` (a heartbeat, a claim) with a generous bound, for what runs on real timers. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  const ends = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > ends) throw new Error('Timed out waiting for the runner');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
