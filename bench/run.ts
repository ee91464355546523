/**
 * `npm run bench`: times `clearance eval` (AUC, paired DeLong, KS, confusion, fairness over two
 * groups) on generated files of 1 M and 10 M rows, next to scikit-learn/SciPy on the same file.
 * Also the registry and audit log, evidence parsing, the CLI's start-up (`BENCH_ONLY=cli-startup`)
 * canary rollouts (`BENCH_ONLY=rollouts`; PostgreSQL too with `BENCH_PG_URL`) and the web UI's
 * bundle sizes and first render in Chromium (`BENCH_ONLY=web`).
 * Prints a table; writes bench/results/latest.json and latest.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { auditProofsAtScale } from './audit-10m.js';
import { type AuditRow, auditTable, liveAuditAtScale } from './audit-live.js';
import { runStartupBench, type StartupRow, startupTable } from './cli-startup.js';
import { generatePredictionsCsv } from './generate-predictions.js';
import { type GovernedRow, governedTable, runGovernedBench } from './governed.js';
import { type GrowthRow, growthTable, runGrowthBench } from './growth.js';
import { hasWrk, type ReadRow, readsTable, runHttpReadsBench } from './http-reads.js';
import { runServersBench, type ServersRow, serversTable } from './http-reads-servers.js';
import {
  runHttpWritesBench,
  spreadClients,
  type WriteRow,
  writeEngines,
  writesTable,
} from './http-writes.js';
import { type MlflowRow, mlflowTable, runMlflowBench } from './mlflow-routes.js';
import { type OutboxRow, outboxTable, runOutboxBench } from './outbox.js';
import { type ParsingRow, parsingTable, runParsingBench } from './parsing.js';
import { type RegistryRow, registryTable, runRegistryBench } from './registry.js';
import { type RolloutRow, rolloutTable, runRolloutBench } from './rollouts.js';
import { runWebBench, type WebRow, webTable } from './web.js';

interface Measurement {
  tool: string;
  rows: number;
  seconds: number;
  peakMiB: number;
  rowsPerSecond: number;
  auc: number | null;
  /** User + system CPU seconds of the process (all its threads): steadier than wall time under load. */
  cpuSeconds?: number;
}

const root = join(import.meta.dirname, '..', '..');
const sizes = (process.env.BENCH_ROWS ?? '1000000,10000000').split(',').map(Number);
const dataDir = join(tmpdir(), 'clearance-bench');
/** `eval`, `registry`, `governed`, `audit`, `reads`, `servers`, `growth`, `writes`, `mlflow`, `parsing`, `cli-startup`, `outbox`, `rollouts`, `web`, or all of them (default). */
const only = process.env.BENCH_ONLY ?? '';

function timed(
  command: string,
  args: string[],
): { seconds: number; stdout: string; stderr: string } {
  const started = process.hrtime.bigint();
  const run = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${run.stderr}`);
  return { seconds, stdout: run.stdout, stderr: run.stderr };
}

function cpuSeconds(stderr: string): number {
  const match = /CPU_MS (\d+)/.exec(stderr);
  if (!match?.[1]) throw new Error(`no CPU time reported: ${stderr}`);
  return Number(match[1]) / 1000;
}

/** Child-script line reporting this process's CPU time, read by `cpuSeconds`. */
const REPORT_CPU = `{ const u = process.resourceUsage(); process.stderr.write('CPU_MS ' + Math.round((u.userCPUTime + u.systemCPUTime) / 1000) + '\\n'); }`;

function peakKiB(stderr: string): number {
  const match = /MAXRSS_KIB (\d+)/.exec(stderr);
  if (!match?.[1]) throw new Error(`no peak memory reported: ${stderr}`);
  return Number(match[1]);
}

const CLEARANCE = 'clearance eval';
/** The floor `clearance eval` is held to: the same reader into the same typed columns, no statistics. */
const IO_FLOOR = 'I/O floor: read + parse only (readPredictions)';
/** Runs of `clearance eval` and of the I/O floor, alternating; the median of each is reported. */
const evalRuns = Number(process.env.BENCH_EVAL_RUNS ?? 3);

function runClearance(file: string, rows: number): Measurement {
  // Peak RSS is read inside the child, at exit, so it covers the whole run.
  const script = `const { main } = await import(${JSON.stringify(join(root, 'dist/src/cli/main.js'))});
const code = await main(['node', 'clearance', 'eval', '--predictions', ${JSON.stringify(file)}, '--label', 'label', '--score', 'score', '--baseline-score', 'baseline_score', '--group', 'group', '--format', 'json']);
process.stderr.write('MAXRSS_KIB ' + process.resourceUsage().maxRSS + '\\n');
${REPORT_CPU}
process.exitCode = code;`;
  const run = timed(process.execPath, ['--input-type=module', '-e', script]);
  const report = JSON.parse(run.stdout) as { metrics: { auc: number } };
  return {
    tool: CLEARANCE,
    rows,
    seconds: run.seconds,
    peakMiB: peakKiB(run.stderr) / 1024,
    rowsPerSecond: rows / run.seconds,
    auc: report.metrics.auc,
    cpuSeconds: cpuSeconds(run.stderr),
  };
}

/**
 * The I/O floor: a process that only reads and parses the file into the columns `clearance eval`
 * uses (label, score, baseline score, group), with the same start-up, and exits.
 */
function runIoFloor(file: string, rows: number): Measurement {
  const script = `const { readPredictions } = await import(${JSON.stringify(join(root, 'dist/src/evidence/index.js'))});
const table = await readPredictions(${JSON.stringify(file)}, { label: 'label', score: 'score', baselineScore: 'baseline_score', groupColumns: ['group'], task: 'binary-classification' });
process.stdout.write(String(table.rowCount));
process.stderr.write('MAXRSS_KIB ' + process.resourceUsage().maxRSS + '\\n');
${REPORT_CPU}`;
  const run = timed(process.execPath, ['--input-type=module', '-e', script]);
  if (Number(run.stdout) !== rows)
    throw new Error(`I/O floor read ${run.stdout} rows, not ${rows}`);
  return {
    tool: IO_FLOOR,
    rows,
    seconds: run.seconds,
    peakMiB: peakKiB(run.stderr) / 1024,
    rowsPerSecond: rows / run.seconds,
    auc: null,
    cpuSeconds: cpuSeconds(run.stderr),
  };
}

function median(runs: Measurement[]): Measurement {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** `clearance eval` and its I/O floor, alternating so that load on the machine hits both alike. */
function runClearanceAndFloor(file: string, rows: number): Measurement[] {
  const clearance: Measurement[] = [];
  const floor: Measurement[] = [];
  for (let i = 0; i < evalRuns; i++) {
    floor.push(runIoFloor(file, rows));
    clearance.push(runClearance(file, rows));
  }
  return [median(clearance), median(floor)];
}

function runSklearn(file: string, rows: number): Measurement | undefined {
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import sklearn, scipy, pandas'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  const run = timed(python, [join(root, 'bench', 'sklearn_eval.py'), file]);
  const report = JSON.parse(run.stdout) as { auc: number };
  return {
    tool: 'scikit-learn + SciPy + pandas',
    rows,
    seconds: run.seconds,
    peakMiB: peakKiB(run.stderr) / 1024,
    rowsPerSecond: rows / run.seconds,
    auc: report.auc,
    cpuSeconds: cpuSeconds(run.stderr),
  };
}

/** `a / b` as "N.NN×", or empty when either is missing. */
function times(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined ? '' : `${(a / b).toFixed(2)}×`;
}

function table(results: Measurement[]): string {
  const head =
    '| rows | tool | wall time (s) | CPU time (s) | peak memory (MiB) | rows/s | AUC | faster than scikit-learn (wall; CPU) | over the I/O floor (wall; CPU) |';
  const lines = [head, '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of results) {
    const reference = results.find((x) => x.rows === r.rows && x.tool.startsWith('scikit'));
    const ratio =
      reference && r !== reference
        ? `${times(reference.seconds, r.seconds)}; ${times(reference.cpuSeconds, r.cpuSeconds)}`
        : '';
    const floor = results.find((x) => x.rows === r.rows && x.tool === IO_FLOOR);
    const overFloor =
      floor && r.tool === CLEARANCE
        ? `${times(r.seconds, floor.seconds)}; ${times(r.cpuSeconds, floor.cpuSeconds)}`
        : '';
    lines.push(
      `| ${r.rows.toLocaleString('en-US')} | ${r.tool} | ${r.seconds.toFixed(2)} | ${r.cpuSeconds?.toFixed(2) ?? ''} | ${r.peakMiB.toFixed(0)} | ${Math.round(r.rowsPerSecond).toLocaleString('en-US')} | ${r.auc?.toFixed(9) ?? ''} | ${ratio} | ${overFloor} |`,
    );
  }
  return lines.join('\n');
}

function readPrevious(file: string): {
  results: Measurement[];
  registry: RegistryRow[];
  governed: GovernedRow[];
  audit: AuditRow[];
  reads: ReadRow[];
  growth: GrowthRow[];
  servers: ServersRow[];
  parsing: ParsingRow[];
  startup: StartupRow[];
  outbox: OutboxRow[];
  rollouts: RolloutRow[];
  mlflow: MlflowRow[];
  writes: WriteRow[];
  web: WebRow[];
} {
  if (!existsSync(file))
    return {
      results: [],
      registry: [],
      governed: [],
      audit: [],
      reads: [],
      growth: [],
      servers: [],
      parsing: [],
      startup: [],
      outbox: [],
      rollouts: [],
      mlflow: [],
      writes: [],
      web: [],
    };
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as {
    results?: Measurement[];
    registry?: RegistryRow[];
    governed?: GovernedRow[];
    audit?: AuditRow[];
    reads?: ReadRow[];
    growth?: GrowthRow[];
    servers?: ServersRow[];
    parsing?: ParsingRow[];
    startup?: StartupRow[];
    outbox?: OutboxRow[];
    rollouts?: RolloutRow[];
    mlflow?: MlflowRow[];
    writes?: WriteRow[];
    web?: WebRow[];
  };
  return {
    outbox: parsed.outbox ?? [],
    results: parsed.results ?? [],
    registry: parsed.registry ?? [],
    governed: parsed.governed ?? [],
    audit: parsed.audit ?? [],
    reads: parsed.reads ?? [],
    growth: parsed.growth ?? [],
    servers: parsed.servers ?? [],
    parsing: parsed.parsing ?? [],
    startup: parsed.startup ?? [],
    rollouts: parsed.rollouts ?? [],
    mlflow: parsed.mlflow ?? [],
    writes: parsed.writes ?? [],
    web: parsed.web ?? [],
  };
}

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const results: Measurement[] = [];
  for (const rows of only === '' || only === 'eval' ? sizes : []) {
    const file = join(dataDir, `predictions-${rows}.csv`);
    process.stderr.write(`generating ${rows.toLocaleString('en-US')} rows (once) → ${file}\n`);
    const bytes = await generatePredictionsCsv(file, rows);
    process.stderr.write(
      `  ${(bytes / 2 ** 20).toFixed(0)} MiB; timing clearance eval and the I/O floor (${evalRuns} runs each)…\n`,
    );
    results.push(...runClearanceAndFloor(file, rows));
    process.stderr.write('  timing scikit-learn…\n');
    const reference = runSklearn(file, rows);
    if (reference) results.push(reference);
    else
      process.stderr.write(
        '  (scikit-learn/SciPy/pandas not installed: apt-get install python3-sklearn python3-scipy python3-pandas)\n',
      );
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  let registry: RegistryRow[] = [];
  if (only === '' || only === 'registry') {
    registry = await runRegistryBench({
      pgUrl: process.env.CLEARANCE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      path: Number(process.env.BENCH_PATHS ?? 100),
      appends: Number(process.env.BENCH_APPENDS ?? 1000),
      auditEntries: Number(process.env.BENCH_AUDIT_ENTRIES ?? 1_000_000),
    });
  }
  let governed: GovernedRow[] = [];
  if (only === '' || only === 'governed') {
    governed = await runGovernedBench({
      pgUrl: process.env.CLEARANCE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      clients: Number(process.env.BENCH_GOVERNED_CLIENTS ?? 16),
      perClient: Number(process.env.BENCH_GOVERNED_PATHS ?? 25),
    });
  }
  let audit: AuditRow[] = [];
  if (only === '' || only === 'audit') {
    const entries = Number(process.env.BENCH_AUDIT_ENTRIES ?? 1_000_000);
    const dir = mkdtempSync(join(tmpdir(), 'clearance-bench-audit-'));
    try {
      process.stderr.write(
        `live audit log of ${entries.toLocaleString('en-US')} entries on SQLite…\n`,
      );
      audit.push(...(await liveAuditAtScale(join(dir, 'live'), entries)));
      const proofEntries = Number(process.env.BENCH_AUDIT_PROOF_ENTRIES ?? 10_000_000);
      process.stderr.write(
        `proofs and checkpoints at ${proofEntries.toLocaleString('en-US')} entries…\n`,
      );
      audit.push(...(await auditProofsAtScale(join(dir, 'proofs'), proofEntries)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  let reads: ReadRow[] = [];
  if (only === '' || only === 'reads') {
    if (hasWrk()) {
      reads = await runHttpReadsBench({
        clients: (process.env.BENCH_READ_CLIENTS ?? '16,64').split(',').map(Number),
        seconds: Number(process.env.BENCH_READ_SECONDS ?? 5),
      });
    } else process.stderr.write('  (wrk not installed: apt-get install wrk)\n');
  }
  let servers: ServersRow[] = [];
  if (only === '' || only === 'servers') {
    if (hasWrk()) {
      servers = await runServersBench({
        pgUrl: process.env.CLEARANCE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        clients: (process.env.BENCH_SERVERS_CLIENTS ?? '16,64').split(',').map(Number),
        seconds: Number(process.env.BENCH_SERVERS_SECONDS ?? 4),
        rounds: Number(process.env.BENCH_SERVERS_ROUNDS ?? 1),
        ...(process.env.BENCH_SERVERS_AGAINST
          ? {
              against: process.env.BENCH_SERVERS_AGAINST,
              againstLabel:
                process.env.BENCH_SERVERS_AGAINST_LABEL ?? process.env.BENCH_SERVERS_AGAINST,
            }
          : {}),
      });
    } else process.stderr.write('  (wrk not installed: apt-get install wrk)\n');
  }
  let growth: GrowthRow[] = [];
  if (only === '' || only === 'growth') {
    growth = await runGrowthBench({
      pgUrl: process.env.CLEARANCE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      smallModels: 10,
      largeModels: Number(process.env.BENCH_GROWTH_MODELS ?? 10_000),
    });
  }
  let writes: WriteRow[] = [];
  if (only === '' || only === 'writes') {
    if (hasWrk()) {
      writes = await runHttpWritesBench({
        pgUrl: process.env.CLEARANCE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        clients: (process.env.BENCH_WRITE_CLIENTS ?? '1,16,64').split(',').map(Number),
        spreadClients: spreadClients(process.env.BENCH_WRITE_SPREAD),
        seconds: Number(process.env.BENCH_WRITE_SECONDS ?? 6),
        engines: writeEngines(process.env.BENCH_WRITES_ENGINES),
      });
    } else process.stderr.write('  (wrk not installed: apt-get install wrk)\n');
  }
  let mlflow: MlflowRow[] = [];
  if (only === '' || only === 'mlflow') {
    if (hasWrk()) {
      mlflow = await runMlflowBench({
        clients: (process.env.BENCH_MLFLOW_CLIENTS ?? '1,16').split(',').map(Number),
        seconds: Number(process.env.BENCH_MLFLOW_SECONDS ?? 5),
      });
    } else process.stderr.write('  (wrk not installed: apt-get install wrk)\n');
  }
  let parsing: ParsingRow[] = [];
  if (only === '' || only === 'parsing') {
    parsing = runParsingBench(
      (process.env.BENCH_PARSE_BYTES ?? '524288,1048576').split(',').map(Number),
    );
  }
  let startup: StartupRow[] = [];
  if (only === '' || only === 'cli-startup') {
    startup = runStartupBench({ root, runs: Number(process.env.BENCH_STARTUP_RUNS ?? 30) });
  }
  let rollouts: RolloutRow[] = [];
  if (only === '' || only === 'rollouts') rollouts = await runRolloutBench();
  let web: WebRow[] = [];
  if (only === '' || only === 'web') {
    web = await runWebBench({ root, runs: Number(process.env.BENCH_WEB_RUNS ?? 15) });
  }
  // A partial run (BENCH_ONLY) keeps the other sections' last results, so the file stays whole.
  const previous = readPrevious(join(root, 'bench', 'results', 'latest.json'));
  if (only !== '' && only !== 'eval' && results.length === 0) results.push(...previous.results);
  if (only !== '' && only !== 'registry' && registry.length === 0) registry = previous.registry;
  if (only !== '' && only !== 'governed' && governed.length === 0) governed = previous.governed;
  if (only !== '' && only !== 'reads' && reads.length === 0) reads = previous.reads;
  if (only !== '' && only !== 'growth' && growth.length === 0) growth = previous.growth;
  if (only !== '' && only !== 'servers' && servers.length === 0) servers = previous.servers;
  if (only !== '' && only !== 'writes' && writes.length === 0) writes = previous.writes;
  if (only !== '' && only !== 'parsing' && parsing.length === 0) parsing = previous.parsing;
  if (only !== '' && only !== 'cli-startup' && startup.length === 0) startup = previous.startup;
  let outbox: OutboxRow[] = [];
  if (only === '' || only === 'outbox') {
    outbox = await runOutboxBench({
      pgUrl: process.env.CLEARANCE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      events: Number(process.env.BENCH_OUTBOX_EVENTS ?? 1000),
      singles: Number(process.env.BENCH_OUTBOX_SINGLES ?? 200),
    });
  }
  if (only !== '' && only !== 'outbox' && outbox.length === 0) outbox = previous.outbox;
  if (only !== '' && only !== 'rollouts' && rollouts.length === 0) rollouts = previous.rollouts;
  if (only !== '' && only !== 'mlflow' && mlflow.length === 0) mlflow = previous.mlflow;
  if (only !== '' && only !== 'audit' && audit.length === 0) audit = previous.audit;
  if (only !== '' && only !== 'web' && web.length === 0) web = previous.web;
  const sections = [`# Clearance benchmarks\n\n${machine}, ${new Date().toISOString()}`];
  if (results.length > 0) sections.push(`## clearance eval\n\n${table(results)}`);
  if (registry.length > 0) sections.push(`## Registry and audit log\n\n${registryTable(registry)}`);
  if (governed.length > 0) {
    sections.push(
      `## Governed path, concurrent clients (each figure beside the engine's raw durable commits/s and the CPU bound from the same run)\n\n${governedTable(governed)}`,
    );
  }
  if (audit.length > 0) {
    sections.push(
      `## Audit log at scale (each figure beside its ceiling from the same run)\n\n${auditTable(audit)}`,
    );
  }
  if (reads.length > 0) {
    sections.push(`## Registry reads over HTTP (SQLite, one server, wrk)\n\n${readsTable(reads)}`);
  }
  if (servers.length > 0) {
    sections.push(
      `## Registry reads on PostgreSQL: one server process vs two (wrk)\n\n${serversTable(servers)}`,
    );
  }
  if (growth.length > 0) {
    sections.push(
      `## Growth: 1,000 versions vs 1 M versions across 10,000 models (in process, medians)\n\n${growthTable(growth)}`,
    );
  }
  if (writes.length > 0) {
    sections.push(
      `## Registry writes over HTTP (one server, wrk, durable)\n\n${writesTable(writes)}`,
    );
  }
  if (mlflow.length > 0) {
    sections.push(
      `## MLflow-compatible routes over HTTP (SQLite, one server, wrk)\n\n${mlflowTable(mlflow)}`,
    );
  }
  if (parsing.length > 0) {
    sections.push(`## Evidence parsing (pathological inputs)\n\n${parsingTable(parsing)}`);
  }
  if (startup.length > 0) sections.push(`## CLI start-up\n\n${startupTable(startup)}`);
  if (outbox.length > 0) sections.push(`## Outbox delivery\n\n${outboxTable(outbox)}`);
  if (rollouts.length > 0) sections.push(`## Canary rollouts\n\n${rolloutTable(rollouts)}`);
  if (web.length > 0) {
    sections.push(
      `## Web UI (bundle sizes as built; first render in Chromium beside a no-JavaScript page of the same server)\n\n${webTable(web)}`,
    );
  }
  const markdown = `${sections.join('\n\n')}\n`;
  process.stdout.write(`${markdown}\n`);
  const out = join(root, 'bench', 'results');
  if (!existsSync(out)) mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'latest.json'),
    `${JSON.stringify({ machine, results, registry, governed, audit, reads, servers, growth, writes, mlflow, parsing, startup, outbox, rollouts, web }, null, 2)}\n`,
  );
  writeFileSync(join(out, 'latest.md'), markdown);
}

await main();
