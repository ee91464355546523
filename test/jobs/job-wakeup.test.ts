/**
 * The runner's loop on both engines: it starts a job committed while it was idle without waiting
 * for its poll (the store's wake-up; across stores only PostgreSQL's LISTEN/NOTIFY can tell), it
 * keeps every place busy while jobs are due, and two runners on one database never run the same
 * attempt at once. The polls here are an hour, so only the wake-up and the drain can explain a
 * job that ran.
 */
import { expect, it } from 'vitest';
import type { JobHandler, Store } from '../../src/app/index.js';
import { createJobRunner, type JobRunner } from '../../src/jobs/index.js';
import { fixedClock } from '../fakes/fixed-clock.js';
import { eachEngine } from '../store/engines.js';

const start = '2026-03-01T00:00:00.000Z';
const hour = 60 * 60_000;

async function schedule(store: Store, keys: readonly string[], kind = 'test.work') {
  await store.transaction(async (tx) => {
    for (const key of keys) await tx.jobs.schedule({ kind, key, runAt: start }, { at: start });
  });
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

eachEngine('job runner wake-up and drain', (engine) => {
  it('starts a job committed while it idles at once, not at its next poll', async () => {
    const store = await engine.openStore();
    const ran: string[] = [];
    const runner = createJobRunner({
      store,
      clock: fixedClock(start),
      pollMs: hour,
      handlers: { 'test.work': async ({ job }) => void ran.push(job.key) },
    });
    await runner.start();
    try {
      // Idle: the first claim found nothing, and the next poll is an hour away.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await schedule(store, ['one']);
      await until(() => ran.length === 1);
      await schedule(store, ['two', 'three']);
      await until(() => ran.length === 3);
      expect(ran.sort()).toStrictEqual(['one', 'three', 'two']);
    } finally {
      await runner.stop();
    }
  });

  it('opens one wake-up however often it is started, and closes it on stop', async () => {
    const store = await engine.openStore();
    let open = 0;
    const counting: Store = Object.assign(Object.create(store) as Store, {
      async watchJobs(listener: () => void) {
        const unwatch = (await store.watchJobs?.(listener)) ?? (async () => undefined);
        open += 1;
        return async () => {
          open -= 1;
          await unwatch();
        };
      },
    });
    const runner = createJobRunner({
      store: counting,
      clock: fixedClock(start),
      pollMs: hour,
      handlers: { 'test.work': async () => undefined },
    });
    await Promise.all([runner.start(), runner.start(), runner.start()]);
    await runner.start();
    expect(open).toBe(1);
    await runner.stop();
    expect(open).toBe(0);
  });

  it.runIf(engine.name === 'postgres')(
    'wakes on a job another process committed (LISTEN/NOTIFY), and not on a rolled-back one',
    async () => {
      const runnerStore = await engine.openStore();
      // Another pool, as another server would have: only the database can tell the runner.
      const other = await engine.openStore();
      const ran: string[] = [];
      const runner = createJobRunner({
        store: runnerStore,
        clock: fixedClock(start),
        pollMs: hour,
        handlers: { 'test.work': async ({ job }) => void ran.push(job.key) },
      });
      await runner.start();
      try {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await schedule(other, ['from-elsewhere']);
        await until(() => ran.length === 1);
        await expect(
          other.transaction(async (tx) => {
            await tx.jobs.schedule(
              { kind: 'test.work', key: 'undone', runAt: start },
              { at: start },
            );
            throw new Error('roll back');
          }),
        ).rejects.toThrow('roll back');
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(ran).toStrictEqual(['from-elsewhere']);
        expect(await other.read((tx) => tx.jobs.find('undone'))).toBeUndefined();
      } finally {
        await runner.stop();
      }
    },
  );

  it('keeps its places busy while jobs are due, never more at once than its concurrency', async () => {
    const store = await engine.openStore();
    let running = 0;
    let most = 0;
    const ran: string[] = [];
    const work: JobHandler = async ({ job }) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 10));
      ran.push(job.key);
      running -= 1;
    };
    const keys = Array.from({ length: 40 }, (_, i) => `job-${String(i).padStart(2, '0')}`);
    await schedule(store, keys);
    const runner = createJobRunner({
      store,
      clock: fixedClock(start),
      pollMs: hour,
      concurrency: 4,
      handlers: { 'test.work': work },
    });
    await runner.start();
    try {
      await until(() => ran.length === keys.length);
      expect(ran.sort()).toStrictEqual(keys);
      expect(most).toBe(4);
    } finally {
      await runner.stop();
    }
  });

  it('two runners on one database run each job once, never the same attempt at once', async () => {
    const stores = [await engine.openStore(), await engine.openStore()];
    const runs = new Map<string, string[]>();
    const active = new Set<string>();
    let overlaps = 0;
    const work =
      (worker: string): JobHandler =>
      async ({ job }) => {
        if (active.has(job.key)) overlaps += 1;
        active.add(job.key);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active.delete(job.key);
        runs.set(job.key, [...(runs.get(job.key) ?? []), worker]);
      };
    const runners: JobRunner[] = stores.map((store, i) =>
      createJobRunner({
        store,
        clock: fixedClock(start),
        pollMs: 50,
        concurrency: 4,
        workerId: `w${i}`,
        handlers: { 'test.work': work(`w${i}`) },
      }),
    );
    await Promise.all(runners.map((runner) => runner.start()));
    try {
      const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
      // Committed in slices through both stores while both runners drain.
      for (let i = 0; i < keys.length; i += 10) {
        await schedule(stores[(i / 10) % 2] as Store, keys.slice(i, i + 10));
      }
      await until(() => runs.size === keys.length);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect([...runs.values()].every((workers) => workers.length === 1)).toBe(true);
      expect(overlaps).toBe(0);
      expect(new Set([...runs.values()].flat()).size).toBe(2);
    } finally {
      await Promise.all(runners.map((runner) => runner.stop()));
    }
  });
});
