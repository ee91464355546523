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
  /**
   * The PostgreSQL server named by `postmaster` (see `readCpuCounters`): its processes alive now,
   * and those ended since it started; undefined when not asked for or not readable.
   */
  postgresMs: number | undefined;
}

interface ProcStat {
  ppid: number;
  /** utime + stime, ms. */
  ownMs: number;
  /** cutime + cstime: children ended and waited for, ms. */
  childrenMs: number;
}

/** Fields of a `/proc/…/stat` text (after the command's parentheses: state is field 3). */
function parseStat(stat: string): ProcStat {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ms = (k: number) => (Number(fields[k]) * 1000) / ticksPerSecond;
  return { ppid: Number(fields[1]), ownMs: ms(11) + ms(12), childrenMs: ms(13) + ms(14) };
}

function statOf(pid: number | string): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** utime + stime of a `/proc/…/stat` text, in ms. */
function statCpuMs(stat: string): number {
  return parseStat(stat).ownMs;
}

/** The parent of process `pid` (a backend's is its server's postmaster); undefined if unreadable. */
export function parentPid(pid: number): number | undefined {
  return statOf(pid)?.ppid;
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

/**
 * A PostgreSQL server's CPU: the postmaster's own, its children's alive now, and those of its
 * children that ended (the postmaster waits for each, which adds it to its cutime and cstime),
 * so a backend that closes in the middle of a timed section takes nothing of its time with it.
 * Processes of other servers on the host are not counted.
 */
function postgresMs(postmaster: number): number | undefined {
  const server = statOf(postmaster);
  if (server === undefined) return undefined;
  let total = server.ownMs + server.childrenMs;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    const child = statOf(pid);
    if (child?.ppid === postmaster) total += child.ownMs;
  }
  return total;
}

/** The counters now; `postmaster`: the process id of the PostgreSQL server to count too. */
export function readCpuCounters(options: { postmaster?: number } = {}): CpuCounters {
  const usage = process.cpuUsage();
  return {
    mainThreadMs: mainThreadMs(),
    processMs: (usage.user + usage.system) / 1000,
    postgresMs: options.postmaster === undefined ? undefined : postgresMs(options.postmaster),
  };
}

/** What the counters moved by between two snapshots. */
export function cpuSpent(from: CpuCounters, to: CpuCounters): CpuCounters {
  // A counter that went back (a process of the server replaced by one with a lower count) tells
  // nothing: undefined, not a negative spend.
  const minus = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || b < a ? undefined : b - a;
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
