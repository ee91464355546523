/**
 * The governed bench's CPU counters (bench/cpu-counters.ts) and the bound it sets its figures
 * beside (bench/governed.ts): the main thread's CPU moves with work done on it and not with work
 * done on another thread; the bound is the lower of one core for the main thread and all cores
 * for everything.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { cpuSpent, parentPid, readCpuCounters } from '../../bench/cpu-counters.js';
import { governedBound } from '../../bench/governed.js';
import { pgUrl, postgresForSuite } from '../store/engines.js';

/** Busy on this thread until the process has spent `ms` more of CPU (not of wall time: the
 * suite's other workers share the cores). */
function spin(ms: number): void {
  const cpu = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  const until = cpu() + ms;
  while (cpu() < until) {
    // Busy on this thread.
  }
}

describe('CPU counters', () => {
  it('count the main thread busy, and not a worker thread busy', async () => {
    const from = readCpuCounters();
    spin(300);
    const spun = cpuSpent(from, readCpuCounters());
    if (spun.mainThreadMs === undefined) return expect(process.platform).not.toBe('linux');
    // 300 ms of the process's CPU, nearly all of it this thread's (ticks of 10 ms).
    expect(spun.mainThreadMs).toBeGreaterThanOrEqual(200);
    expect(spun.processMs).toBeGreaterThanOrEqual(spun.mainThreadMs - 20);

    const before = readCpuCounters();
    await new Promise<void>((resolve, reject) => {
      // The worker spins until the process has spent 400 ms more of CPU; the main thread waits.
      const worker = new Worker(
        'const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };' +
          'const until = cpu() + 400; while (cpu() < until) {}',
        { eval: true },
      );
      worker.on('exit', () => resolve());
      worker.on('error', reject);
    });
    const waited = cpuSpent(before, readCpuCounters());
    // The worker's 400 ms count for the process, hardly for the main thread that waited.
    expect(waited.processMs - (waited.mainThreadMs ?? 0)).toBeGreaterThanOrEqual(250);
    expect(waited.mainThreadMs ?? 0).toBeLessThan(150);
  });
});

describe.runIf(process.platform === 'linux' && postgresForSuite('PostgreSQL server CPU'))(
  'PostgreSQL server CPU',
  () => {
    it('keeps the time of a backend that ended during the section, and counts no other server', async () => {
      const probe = new pg.Client({ connectionString: pgUrl });
      await probe.connect();
      const { rows } = await probe.query<{ pid: number }>('select pg_backend_pid() as pid');
      await probe.end();
      const postmaster = parentPid(rows[0]?.pid ?? -1);
      if (postmaster === undefined) return; // the server runs elsewhere, or /proc is not ours
      const from = readCpuCounters({ postmaster });
      // A backend of its own burns CPU and closes before the section ends.
      const busy = new pg.Client({ connectionString: pgUrl });
      await busy.connect();
      await busy.query('select count(*) from generate_series(1, 4000000)');
      await busy.end();
      // The postmaster waits for its ended child: allow it a moment.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const spent = cpuSpent(from, readCpuCounters({ postmaster }));
      expect(spent.postgresMs ?? 0).toBeGreaterThanOrEqual(100);
      // Without a postmaster named, no server is counted.
      expect(readCpuCounters().postgresMs).toBeUndefined();
    });
  },
);

describe('the governed bound', () => {
  const cores = availableParallelism();

  it('is one core for the main thread when the main thread is the busier', () => {
    // 5 ms of main thread a path: 200 paths/s at most, whatever the other threads take.
    const bound = governedBound({ mainThreadMs: 5, processMs: 6, postgresMs: undefined }, 1, {
      database: false,
      target: 300,
    });
    expect(bound.cpuBoundPerSecond).toBeCloseTo(Math.min(200, (cores * 1000) / 6), 6);
    expect(bound.boundBy).toBe((cores * 1000) / 6 < 200 ? 'all cores' : 'main thread');
  });

  it('is all cores for the process and the database server when they fill them first', () => {
    // 4 ms of main thread but 20 ms of process + server per path, per path of 10.
    const bound = governedBound({ mainThreadMs: 40, processMs: 120, postgresMs: 80 }, 10, {
      database: true,
      target: 150,
    });
    expect(bound.databaseCpuMsPerPath).toBe(8);
    expect(bound.cpuBoundPerSecond).toBeCloseTo(Math.min(250, (cores * 1000) / 20), 6);
    // Without the server counted (SQLite), the same process is bound by less.
    const alone = governedBound({ mainThreadMs: 40, processMs: 120, postgresMs: 80 }, 10, {
      database: false,
      target: 300,
    });
    expect(alone.databaseCpuMsPerPath).toBeUndefined();
    expect(alone.cpuBoundPerSecond).toBeCloseTo(Math.min(250, (cores * 1000) / 12), 6);
  });
});
