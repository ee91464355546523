/**
 * The work queue across server processes: three runners on one PostgreSQL claim each job once and
 * run a recurring job once per period; a runner killed with SIGKILL while holding a job loses it
 * to another once its lease expires (on both engines).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/app/index.js';
import { createJobRunner } from '../../src/jobs/index.js';
import { createStore, type StoreConfig } from '../../src/store/index.js';
import { fixedClock } from '../fakes/fixed-clock.js';
import {
  eachEngine,
  type FreshPostgres,
  freshPostgresDatabase,
  postgresForSuite,
} from '../store/engines.js';

const child = new URL('./runner-child.ts', import.meta.url).pathname;

interface Line {
  worker: string;
  ready?: boolean;
  claimed?: string;
  kind?: string;
  key?: string;
  scheduledAt?: string;
}

interface Runner {
  process: ChildProcess;
  lines: Line[];
  exited: Promise<number | null>;
}

function startRunner(config: StoreConfig, worker: string, mode: 'work' | 'hang'): Runner {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', child, JSON.stringify(config), worker, mode],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines: Line[] = [];
  createInterface({ input: proc.stdout }).on('line', (line) =>
    lines.push(JSON.parse(line) as Line),
  );
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { process: proc, lines, exited };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const ends = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > ends) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const title = 'job runners in three processes on one PostgreSQL';
describe.skipIf(!postgresForSuite(title))(title, () => {
  let database: FreshPostgres;
  let store: Store;
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    store = await createStore({ engine: 'postgres', url: database.url });
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('runs each job exactly once and the recurring job once per period', async () => {
    const config: StoreConfig = { engine: 'postgres', url: database.url };
    const runners = ['p1', 'p2', 'p3'].map((worker) => startRunner(config, worker, 'work'));
    try {
      await until(() => runners.every((r) => r.lines.some((l) => l.ready)), 60_000, 'runners');
      const at = new Date().toISOString();
      const keys = Array.from({ length: 150 }, (_, i) => `work-${String(i).padStart(3, '0')}`);
      await store.transaction(async (tx) => {
        for (const key of keys)
          await tx.jobs.schedule({ kind: 'test.work', key, runAt: at }, { at });
      });
      const done = (kind: string) => runners.flatMap((r) => r.lines.filter((l) => l.kind === kind));
      await until(() => done('test.work').length >= keys.length, 60_000, 'the jobs');
      // Let the 300 ms tick run for a few more periods with all three competing.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    } finally {
      for (const r of runners) r.process.kill('SIGTERM');
    }
    expect(await Promise.all(runners.map((r) => r.exited))).toStrictEqual([0, 0, 0]);
    const work = runners.flatMap((r) => r.lines.filter((l) => l.kind === 'test.work'));
    expect(work.map((l) => l.key).sort()).toStrictEqual(
      Array.from({ length: 150 }, (_, i) => `work-${String(i).padStart(3, '0')}`),
    );
    expect(new Set(work.map((l) => l.worker)).size).toBeGreaterThan(1);
    const ticks = runners.flatMap((r) => r.lines.filter((l) => l.kind === 'test.tick'));
    const periods = ticks.map((l) => l.scheduledAt ?? '');
    expect(new Set(periods).size).toBe(periods.length);
    expect(periods.length).toBeGreaterThanOrEqual(4);
    await store.read(async (tx) => {
      for (const line of work) {
        expect((await tx.jobs.find(line.key ?? ''))?.outcome).toBe('succeeded');
        expect(await tx.outbox.get(`ran:${line.key}`)).toMatchObject({
          payload: { worker: line.worker },
        });
      }
    });
  }, 120_000);
});

eachEngine('a runner killed while holding a job', (engine) => {
  it('loses the job to another runner once its lease expires', async () => {
    const store = await engine.openStore();
    const at = new Date().toISOString();
    await store.transaction((tx) =>
      tx.jobs.schedule({ kind: 'test.hang', key: 'hang', runAt: at }, { at }),
    );
    const doomed = startRunner(engine.config(), 'doomed', 'hang');
    try {
      await until(() => doomed.lines.some((l) => l.claimed === 'hang'), 60_000, 'the claim');
    } finally {
      doomed.process.kill('SIGKILL');
    }
    expect(await doomed.exited).toBeNull();
    const clock = fixedClock(new Date());
    const ran: number[] = [];
    const survivor = createJobRunner({
      store,
      clock,
      handlers: { 'test.hang': async ({ job }) => void ran.push(job.attempts) },
    });
    // The lease (10 s from the claim) still holds.
    expect(await survivor.runDue()).toBe(0);
    clock.advance(10_500);
    expect(await survivor.runDue()).toBe(1);
    expect(ran).toStrictEqual([2]);
    expect(await store.read((tx) => tx.jobs.find('hang'))).toMatchObject({ outcome: 'succeeded' });
  }, 90_000);
});
