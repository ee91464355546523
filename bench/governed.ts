/**
 * The governed path under concurrent clients (issue 12 item 3, ADR 014): N clients, each driving
 * its own model's versions through register → evidence → request → 2 approvals → execute, on
 * SQLite (group commit) and PostgreSQL, with the server's deps (gate worker pool, gate result
 * cache). The same load runs once more with the gates evaluated inside the write transaction (no
 * result cache: the code path before ADR 014), and each figure is printed beside the engine's raw
 * durable commits per second from the same run. One untimed warm-up round of each kind runs
 * before the timed rounds (its rates printed to stderr).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  type AppDeps,
  attachEvidence,
  executeTransition,
  recordApproval,
  registerModel,
  registerPolicy,
  registerVersion,
  requestTransition,
  type Store,
  type WritePathStats,
} from '../src/app/index.js';
import { createStore, watchStatements } from '../src/store/index.js';
import { depsFor } from './bench-deps.js';
import {
  type CpuCounters,
  cpuSpent,
  cpuSum,
  noCpu,
  parentPid,
  readCpuCounters,
} from './cpu-counters.js';
import {
  admin,
  ci,
  evidence,
  policy,
  type RegistryRow,
  rawPostgresCommits,
  rawSqliteCommits,
  risk,
  sha,
  tech,
  withPostgresDatabase,
} from './registry.js';

export interface GovernedOptions {
  pgUrl: string;
  clients: number;
  /** Full paths each client drives. */
  perClient: number;
}

/**
 * A governed-path figure with the CPU it took per path, and the rate at which that CPU would fill
 * the host: the main thread (one core: the use cases' JavaScript and, on SQLite, every statement
 * run there) or all cores (the process's threads and, on PostgreSQL, the database server's
 * processes on the same host). The lower of the two is the bound the figure is set beside.
 */
export interface GovernedRow extends RegistryRow {
  mainThreadMsPerPath?: number;
  processCpuMsPerPath?: number;
  databaseCpuMsPerPath?: number;
  cores?: number;
  /** Paths per second at which the main thread, or all cores, would be busy all the time. */
  cpuBoundPerSecond?: number;
  /** Which of the two bounds is the lower: `main thread` or `all cores`. */
  boundBy?: string;
  /** The issue's target for this engine (issue 12 item 3). */
  targetPerSecond?: number;
  /** Share of the wall time the main thread's event loop was busy (`eventLoopUtilization`). */
  eventLoopBusy?: number;
  /** Share of the wall time a write transaction was running (`Store.writeStats`, ADR 050). */
  writePathBusy?: number;
  /** Writes per database transaction: group commit's mean batch. */
  writesPerTransaction?: number;
}

export function governedBound(
  cpu: CpuCounters,
  count: number,
  options: { database: boolean; target: number },
): Pick<
  GovernedRow,
  | 'mainThreadMsPerPath'
  | 'processCpuMsPerPath'
  | 'databaseCpuMsPerPath'
  | 'cores'
  | 'cpuBoundPerSecond'
  | 'boundBy'
  | 'targetPerSecond'
> {
  const cores = availableParallelism();
  const main = cpu.mainThreadMs === undefined ? undefined : cpu.mainThreadMs / count;
  const database =
    options.database && cpu.postgresMs !== undefined ? cpu.postgresMs / count : undefined;
  const wholeProcess = cpu.processMs / count;
  const allCores = (cores * 1000) / (wholeProcess + (database ?? 0));
  const mainBound = main === undefined || main <= 0 ? Number.POSITIVE_INFINITY : 1000 / main;
  return {
    ...(main === undefined ? {} : { mainThreadMsPerPath: main }),
    processCpuMsPerPath: wholeProcess,
    ...(database === undefined ? {} : { databaseCpuMsPerPath: database }),
    cores,
    cpuBoundPerSecond: Math.min(mainBound, allCores),
    boundBy: mainBound < allCores ? 'main thread' : 'all cores',
    targetPerSecond: options.target,
  };
}

/** The governed rows beside their raw commit rate and their CPU bound. */
export function governedTable(rows: readonly GovernedRow[]): string {
  const ms = (v: number | undefined) => (v === undefined ? '' : v.toFixed(2));
  const lines = [
    '| engine | measure | count | seconds | paths/s | raw durable commits/s | main thread CPU ms/path | process CPU ms/path | database server CPU ms/path | CPU bound paths/s (by) | share of bound | event loop busy | write path busy | writes per transaction | target paths/s |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const share = (v: number | undefined) => (v === undefined ? '' : `${(100 * v).toFixed(0)}%`);
  for (const r of rows) {
    const bound = r.cpuBoundPerSecond;
    lines.push(
      `| ${r.engine} | ${r.measure} | ${r.count.toLocaleString('en-US')} | ${r.seconds.toFixed(2)} | ${r.perSecond.toFixed(1)} | ${r.rawCommitsPerSecond?.toFixed(0) ?? ''} | ${ms(r.mainThreadMsPerPath)} | ${ms(r.processCpuMsPerPath)} | ${ms(r.databaseCpuMsPerPath)} | ${bound === undefined ? '' : `${bound.toFixed(0)} (${r.boundBy})`} | ${bound === undefined ? '' : `${((100 * r.perSecond) / bound).toFixed(0)}%`} | ${share(r.eventLoopBusy)} | ${share(r.writePathBusy)} | ${r.writesPerTransaction?.toFixed(1) ?? ''} | ${r.targetPerSecond ?? ''} |`,
    );
  }
  return lines.join('\n');
}

/** The path's steps, in order, as the statement table names them. */
const steps = ['register', 'attach', 'request', 'approve 1', 'approve 2', 'execute'] as const;
type Step = (typeof steps)[number];

/**
 * One version of `model` through the whole governed path; `done` is told each step as it
 * finishes.
 */
async function onePath(
  deps: AppDeps,
  model: string,
  i: number,
  done: (step: Step) => void = () => undefined,
): Promise<void> {
  const version = `v${i}`;
  const { lineage, files } = evidence(i);
  await registerVersion(deps, ci, {
    model,
    version,
    artifactUri: `s3://b/${model}/${version}`,
    artifactDigest: sha(`${model}/${version}`),
    lineage,
  });
  done('register');
  await attachEvidence(deps, ci, { model, version, files });
  done('attach');
  const { request } = await requestTransition(deps, ci, {
    model,
    version,
    to: 'staging',
    reason: 'bench',
  });
  done('request');
  for (const [who, role, step] of [
    [tech, 'tech_lead', 'approve 1'],
    [risk, 'risk_officer', 'approve 2'],
  ] as const) {
    await recordApproval(deps, who, {
      requestId: request.id,
      role,
      decision: 'approve',
      comment: 'ok',
      riskClass: 'low',
    });
    done(step);
  }
  const executed = await executeTransition(deps, ci, { requestId: request.id });
  if (executed.request.status !== 'executed')
    throw new Error(`${model}@${version} did not execute`);
  done('execute');
}

/** Paths of one client whose statements are counted, after one path of warm-up. */
const countedPaths = 5;

/**
 * Statements per step of the path, one client alone (so every statement counted is the step's):
 * what each use case sends, BEGIN/COMMIT and savepoints included. With `BENCH_GOVERNED_SQL` set,
 * each step's statement texts too, the most repeated first.
 */
async function statementsPerStep(deps: AppDeps, engine: string): Promise<void> {
  const registered = await registerPolicy(deps, admin, { text: policy });
  const model = `counted-${engine.split(' ')[0]?.toLowerCase()}`;
  await registerModel(deps, admin, {
    name: model,
    ownerTeam: 'bench',
    riskTier: 'medium',
    policyDigest: registered.digest,
  });
  await onePath(deps, model, 0);
  const texts = new Map<Step, Map<string, number>>(steps.map((step) => [step, new Map()]));
  let current = new Map<string, number>();
  const stop = watchStatements((text) => current.set(text, (current.get(text) ?? 0) + 1));
  try {
    for (let i = 1; i <= countedPaths; i++) {
      await onePath(deps, model, i, (step) => {
        const into = texts.get(step) ?? new Map<string, number>();
        for (const [text, n] of current) into.set(text, (into.get(text) ?? 0) + n);
        current = new Map();
      });
    }
  } finally {
    stop();
  }
  const sum = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
  const lines = [`statements per step, ${engine}, one client (mean of ${countedPaths} paths):`];
  let total = 0;
  for (const [step, counts] of texts) {
    total += sum(counts) / countedPaths;
    lines.push(`  ${step.padEnd(10)} ${(sum(counts) / countedPaths).toFixed(1).padStart(6)}`);
    if (process.env.BENCH_GOVERNED_SQL === undefined) continue;
    for (const [text, n] of [...counts].sort((a, b) => b[1] - a[1])) {
      lines.push(`      ${(n / countedPaths).toFixed(1).padStart(5)}  ${text.slice(0, 160)}`);
    }
  }
  lines.push(`  ${'path'.padEnd(10)} ${total.toFixed(1).padStart(6)}`);
  process.stderr.write(`${lines.join('\n')}\n`);
}

/**
 * A timed section: its wall seconds, the CPU it took (see cpu-counters.ts), the event loop's busy
 * milliseconds, and what the store's write path did (ADR 050).
 */
interface Spent {
  seconds: number;
  cpu: CpuCounters;
  eventLoopActiveMs: number;
  writes: WritePathStats;
}

const noWrites: WritePathStats = {
  committed: 0,
  failed: 0,
  waitExceeded: 0,
  transactions: 0,
  busySeconds: 0,
  waitSeconds: 0,
  runAgain: 0,
};

/** `a` and `b` field by field: `sign` -1 for the change from `b` to `a`, 1 for their sum. */
function combinedWrites(a: WritePathStats, b: WritePathStats, sign: 1 | -1): WritePathStats {
  return {
    committed: a.committed + sign * b.committed,
    failed: a.failed + sign * b.failed,
    waitExceeded: a.waitExceeded + sign * b.waitExceeded,
    transactions: a.transactions + sign * b.transactions,
    busySeconds: a.busySeconds + sign * b.busySeconds,
    waitSeconds: a.waitSeconds + sign * b.waitSeconds,
    runAgain: a.runAgain + sign * b.runAgain,
  };
}

/**
 * Seconds (and CPU) for `clients` clients, each on a model of its own, to drive `perClient`
 * paths.
 */
async function concurrentPaths(
  deps: AppDeps,
  input: { prefix: string; clients: number; perClient: number; postmaster?: number | undefined },
): Promise<Spent> {
  // The same text registers once; later rounds find it (the digest is the same).
  const registered = await registerPolicy(deps, admin, { text: policy });
  const models = Array.from({ length: input.clients }, (_, c) => `${input.prefix}-${c}`);
  for (const name of models) {
    await registerModel(deps, admin, {
      name,
      ownerTeam: 'bench',
      riskTier: 'medium',
      policyDigest: registered.digest,
    });
  }
  const counters = () =>
    readCpuCounters(input.postmaster === undefined ? {} : { postmaster: input.postmaster });
  const writeStats = () => deps.store.writeStats?.() ?? noWrites;
  const cpuFrom = counters();
  const loopFrom = performance.eventLoopUtilization();
  const writesFrom = writeStats();
  const started = process.hrtime.bigint();
  await Promise.all(
    models.map(async (model) => {
      for (let i = 0; i < input.perClient; i++) await onePath(deps, model, i);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    seconds,
    cpu: cpuSpent(cpuFrom, counters()),
    eventLoopActiveMs: performance.eventLoopUtilization(loopFrom).active,
    writes: combinedWrites(writeStats(), writesFrom, -1),
  };
}

const added = (a: Spent, b: Spent): Spent => ({
  seconds: a.seconds + b.seconds,
  cpu: cpuSum(a.cpu, b.cpu),
  eventLoopActiveMs: a.eventLoopActiveMs + b.eventLoopActiveMs,
  writes: combinedWrites(a.writes, b.writes, 1),
});

async function engineRows(input: {
  engine: string;
  store: Store;
  dir: string;
  raw: number;
  options: GovernedOptions;
  /** Whether the database server's CPU counts (PostgreSQL on this host), and the target. */
  cpu: { database: boolean; target: number };
  /** The PostgreSQL server's postmaster on this host, whose CPU is counted. */
  postmaster?: number | undefined;
}): Promise<GovernedRow[]> {
  const { clients, perClient } = input.options;
  const deps = depsFor(input.store, input.dir);
  const count = clients * perClient;
  try {
    await statementsPerStep(deps, input.engine);
    const { gateResults: _cache, ...inside } = deps;
    // One untimed round of each kind first (since session 20), on models of its own: the JIT, the
    // statement caches and the gate worker pool settle before anything is timed. Its rates are
    // printed, not counted.
    const warm = Math.min(2, perClient);
    const warmInside = await concurrentPaths(inside, {
      prefix: 'warm-inside',
      clients,
      perClient: warm,
    });
    const warmAhead = await concurrentPaths(deps, {
      prefix: 'warm-ahead',
      clients,
      perClient: warm,
    });
    process.stderr.write(
      `  warm-up, untimed: inside ${((clients * warm) / warmInside.seconds).toFixed(1)} paths/s, ahead + cache ${((clients * warm) / warmAhead.seconds).toFixed(1)} paths/s\n`,
    );
    // Alternating rounds, new models each, so that load on the shared machine weighs on both alike.
    const rounds = Math.min(5, perClient);
    const nothing: Spent = { seconds: 0, cpu: noCpu, eventLoopActiveMs: 0, writes: noWrites };
    let before = nothing;
    let after = nothing;
    for (let round = 0; round < rounds; round++) {
      const paths = Math.floor(perClient / rounds) + (round < perClient % rounds ? 1 : 0);
      const prefix = `r${round}`;
      const { postmaster } = input;
      before = added(
        before,
        await concurrentPaths(inside, {
          prefix: `${prefix}-inside`,
          clients,
          perClient: paths,
          postmaster,
        }),
      );
      after = added(
        after,
        await concurrentPaths(deps, {
          prefix: `${prefix}-ahead`,
          clients,
          perClient: paths,
          postmaster,
        }),
      );
    }
    const row = (measure: string, spent: Spent): GovernedRow => ({
      engine: input.engine,
      measure,
      count,
      seconds: spent.seconds,
      perSecond: count / spent.seconds,
      rawCommitsPerSecond: input.raw,
      ...governedBound(spent.cpu, count, input.cpu),
      eventLoopBusy: spent.eventLoopActiveMs / 1000 / spent.seconds,
      writePathBusy: spent.writes.busySeconds / spent.seconds,
      ...(spent.writes.transactions === 0
        ? {}
        : {
            writesPerTransaction:
              (spent.writes.committed + spent.writes.failed) / spent.writes.transactions,
          }),
    });
    return [
      row(`governed path, ${clients} clients, gates inside the write transaction`, before),
      row(`governed path, ${clients} clients, gates ahead + result cache (ADR 014)`, after),
    ];
  } finally {
    await deps.gateRunner.close();
  }
}

/** The postmaster of the PostgreSQL server at `url`, when it runs on this host and is readable. */
async function postmasterOf(url: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const backend = rows[0]?.pid;
    return backend === undefined ? undefined : parentPid(backend);
  } finally {
    await client.end();
  }
}

export async function runGovernedBench(options: GovernedOptions): Promise<GovernedRow[]> {
  const rows: GovernedRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'clearance-bench-governed-'));
  try {
    process.stderr.write(`governed path, ${options.clients} clients, on SQLite…\n`);
    const raw = rawSqliteCommits(dir, 2000);
    const sqlite = await createStore({
      engine: 'sqlite',
      file: join(dir, 'governed.db'),
      synchronous: 'FULL',
    });
    try {
      rows.push(
        ...(await engineRows({
          engine: 'SQLite (WAL, synchronous=FULL)',
          store: sqlite,
          dir: join(dir, 'sqlite'),
          raw,
          options,
          cpu: { database: false, target: 300 },
        })),
      );
    } finally {
      await sqlite.close();
    }
    process.stderr.write(`governed path, ${options.clients} clients, on PostgreSQL…\n`);
    const pgRows = await withPostgresDatabase(options.pgUrl, async (url) => {
      const rawPg = await rawPostgresCommits(url, 1000);
      const store = await createStore({ engine: 'postgres', url });
      try {
        const postmaster = await postmasterOf(url);
        return await engineRows({
          engine: 'PostgreSQL 15',
          store,
          dir: join(dir, 'pg'),
          raw: rawPg,
          options,
          cpu: { database: true, target: 150 },
          postmaster,
        });
      } finally {
        await store.close();
      }
    });
    if (pgRows) rows.push(...pgRows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
