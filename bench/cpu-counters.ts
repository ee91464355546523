/**
 * CPU time read around a timed section, for the bound a run's figure is set beside: the main
 * thread's own CPU (a Node server's JavaScript and SQLite statements all run there), the whole
 * process's (worker threads, the thread pool and the collector too) and, where the bench host
 * runs the database server, that server's processes.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc`'s CPU fields (`getconf CLK_TCK`: 100 on Linux). */
const ticksPerSecond = 100;

/** A snapshot of the counters, in milliseconds of CPU since some fixed origin. */
export interface CpuCounters {
  /** This thread's (the main thread's) CPU; undefined where the platform does not tell it. */
  mainThreadMs: number | undefined;
  /** Every thread of this process. */
  processMs: number;
  /** Every `postgres` process visible in `/proc`; undefined where none is. */
  postgresMs: number | undefined;
}

/** utime + stime of a `/proc/…/stat` text, in ms (fields 14 and 15, after the command's parens). */
function statCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

function mainThreadMs(): number | undefined {
  // Node 23.9 and later tell a thread's CPU themselves, to the microsecond.
  const own = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage;
  if (typeof own === 'function') {
    const usage = own.call(process);
    return (usage.user + usage.system) / 1000;
  }
  try {
    return statCpuMs(readFileSync('/proc/thread-self/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

function postgresMs(): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  let total = 0;
  let seen = false;
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
      total += statCpuMs(stat);
      seen = true;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return seen ? total : undefined;
}

export function readCpuCounters(): CpuCounters {
  const usage = process.cpuUsage();
  return {
    mainThreadMs: mainThreadMs(),
    processMs: (usage.user + usage.system) / 1000,
    postgresMs: postgresMs(),
  };
}

/** What the counters moved by between two snapshots. */
export function cpuSpent(from: CpuCounters, to: CpuCounters): CpuCounters {
  const minus = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : b - a;
  return {
    mainThreadMs: minus(from.mainThreadMs, to.mainThreadMs),
    processMs: to.processMs - from.processMs,
    postgresMs: minus(from.postgresMs, to.postgresMs),
  };
}

/** Two spends added (rounds of one kind). */
export function cpuSum(a: CpuCounters, b: CpuCounters): CpuCounters {
  const plus = (x: number | undefined, y: number | undefined) =>
    x === undefined || y === undefined ? undefined : x + y;
  return {
    mainThreadMs: plus(a.mainThreadMs, b.mainThreadMs),
    processMs: a.processMs + b.processMs,
    postgresMs: plus(a.postgresMs, b.postgresMs),
  };
}

export const noCpu: CpuCounters = { mainThreadMs: 0, processMs: 0, postgresMs: 0 };
