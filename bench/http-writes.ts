/**
 * Registry writes over HTTP (`BENCH_ONLY=writes`): `POST /api/v1/models/{name}/versions` against a
 * real server on loopback, driven closed-loop by Debian's `wrk` (the body made by a Lua script, a
 * fresh version name per request) at 1, 16 and 64 connections, on SQLite (WAL, synchronous=FULL)
 * and on PostgreSQL. Each engine's row is printed beside its raw durable commits per second on one
 * connection (the same measure the registry bench prints), measured in the same run: without group
 * commit a durable write can never pass it. Those cells create versions of one model; one more
 * cell (`BENCH_WRITE_SPREAD` clients, 16 by default, `0` for none) spreads its creates over as many
 * models as it has clients, which PostgreSQL's writes of different models side by side (ADR 051)
 * can use. `BENCH_WRITES_ENGINES` (comma-separated `sqlite`, `postgres`; both by default) runs only
 * the engines named.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  bootstrapAdmin,
  registerModel,
  registerPolicy,
  type WritePathStats,
} from '../src/app/index.js';
import { openRegistry, startServer } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import type { Principal } from '../src/domain/index.js';
import { wrk } from './http-reads.js';
import { rawPostgresCommits, rawSqliteCommits, withPostgresDatabase } from './registry.js';

export interface WriteRow {
  engine: string;
  clients: number;
  /** Models the creates went to, spread evenly (1: every create on one model). */
  models?: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The engine's raw durable commits per second on one connection, measured in this run. */
  rawCommitsPerSecond: number;
  /** The server's CPU (user + system, this process) per acknowledged create. */
  cpuMicrosPerRequest: number;
  /** Non-2xx answers and socket errors wrk counted (must be 0 for a row to mean anything). */
  errors: number;
  /** Share of the cell's wall time the server's event loop was busy (same process). */
  eventLoopBusy?: number;
  /** Share of the cell's wall time a write transaction was running (`Store.writeStats`, ADR 050). */
  writePathBusy?: number;
  /** Writes per database transaction in the cell: group commit's mean batch. */
  writesPerTransaction?: number;
}

/** What bounded a cell (ADR 050): the event loop's and the write path's busy shares, the batch. */
function boundShares(
  from: {
    loop: ReturnType<typeof performance.eventLoopUtilization>;
    writes?: WritePathStats | undefined;
  },
  to: { writes?: WritePathStats | undefined },
  seconds: number,
): Pick<WriteRow, 'eventLoopBusy' | 'writePathBusy' | 'writesPerTransaction'> {
  const loop = performance.eventLoopUtilization(from.loop).active / 1000 / seconds;
  if (from.writes === undefined || to.writes === undefined) return { eventLoopBusy: loop };
  const writes =
    to.writes.committed + to.writes.failed - from.writes.committed - from.writes.failed;
  const transactions = to.writes.transactions - from.writes.transactions;
  return {
    eventLoopBusy: loop,
    writePathBusy: (to.writes.busySeconds - from.writes.busySeconds) / seconds,
    ...(transactions > 0 ? { writesPerTransaction: writes / transactions } : {}),
  };
}

const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: bench-writes, riskTier: medium }
roles: [model_owner, tech_lead, admin]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    approvals: [{ role: tech_lead }]
`;

/** The bench's models: `bench`, then `bench-1`, `bench-2`… for the cell spread over models. */
const modelName = (index: number) => (index === 0 ? 'bench' : `bench-${index}`);

/**
 * A wrk script POSTing a new version per request; `run` keeps names unique across cells. With
 * `models` above 1, each connection's requests go round the models (`bench`, `bench-1`, …),
 * connections starting at different ones, so that at any moment the writes in flight are of
 * different models, as many teams' CI jobs registering their own models would be.
 */
function postScript(dir: string, run: string, models = 1): string {
  const file = join(dir, `post-${run}.lua`);
  writeFileSync(
    file,
    `local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local counter = 0
function init(args)
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  counter = counter + 1
  local v = "${run}-t" .. tid .. "-" .. counter
  local m = (counter * 2 + tid) % ${models}
  local path = "/api/v1/models/bench/versions"
  if m > 0 then path = "/api/v1/models/bench-" .. m .. "/versions" end
  local body = '{"version":"' .. v .. '","artifactUri":"s3://models/bench/' .. v ..
    '","artifactDigest":"sha256:${'a'.repeat(64)}","lineage":{"codeCommit":"9f2c1e7","seed":' ..
    counter .. '}}'
  return wrk.format("POST", path, nil, body)
end
`,
  );
  return file;
}

async function driveEngine(input: {
  engine: string;
  database: string;
  dir: string;
  raw: number;
  clients: number[];
  /** Clients of the cell whose creates are spread over that many models; none when undefined. */
  spreadClients?: number | undefined;
  seconds: number;
}): Promise<WriteRow[]> {
  const config = loadConfig({
    env: {},
    flags: {
      dataDir: join(input.dir, 'data'),
      database: input.database,
      host: '127.0.0.1',
      port: 0,
      sqliteSynchronous: 'full',
    },
  });
  const registry = await openRegistry(config);
  const rows: WriteRow[] = [];
  try {
    const { user, token } = await bootstrapAdmin(registry.deps, { userId: 'bench.admin' });
    const admin: Principal = { id: user.id, kind: 'user', roles: [{ role: 'admin' }] };
    const { digest } = await registerPolicy(registry.deps, admin, { text: policy });
    const modelCount = Math.max(1, input.spreadClients ?? 0);
    for (let index = 0; index < modelCount; index++) {
      await registerModel(registry.deps, admin, {
        name: modelName(index),
        ownerTeam: 'bench',
        riskTier: 'medium',
        policyDigest: digest,
      });
    }
    const server = await startServer(registry);
    try {
      const url = `${server.url}/api/v1/models/bench/versions`;
      // Warm-up: JIT, the statement caches, the page cache.
      await wrk(url, {
        clients: 16,
        seconds: 1,
        token: token.token,
        script: postScript(input.dir, 'warm'),
      });
      // Every client count on one model, then (when asked) one cell with the clients' creates
      // spread over as many models as there are clients.
      const cells = [
        ...input.clients.map((clients) => ({ clients, models: 1 })),
        ...(input.spreadClients === undefined
          ? []
          : [{ clients: input.spreadClients, models: input.spreadClients }]),
      ];
      for (const { clients, models } of cells) {
        const script = postScript(input.dir, `c${clients}m${models}`, models);
        const cpu = process.cpuUsage();
        const started = process.hrtime.bigint();
        const before = {
          loop: performance.eventLoopUtilization(),
          writes: registry.deps.store.writeStats?.(),
        };
        const result = await wrk(url, {
          clients,
          seconds: input.seconds,
          token: token.token,
          script,
        });
        const used = process.cpuUsage(cpu);
        const bound = boundShares(
          before,
          { writes: registry.deps.store.writeStats?.() },
          Number(process.hrtime.bigint() - started) / 1e9,
        );
        const cpuMicrosPerRequest =
          (used.user + used.system) / (result.requestsPerSecond * input.seconds);
        process.stderr.write(
          `  ${input.engine}, ${clients} clients, ${models === 1 ? 'one model' : `${models} models`}: ${Math.round(result.requestsPerSecond)} creates/s, p99 ${result.p99Ms.toFixed(1)} ms, ${cpuMicrosPerRequest.toFixed(0)} µs CPU, ${result.errors} errors\n`,
        );
        rows.push({
          engine: input.engine,
          clients,
          models,
          ...result,
          cpuMicrosPerRequest,
          rawCommitsPerSecond: input.raw,
          ...bound,
        });
      }
    } finally {
      await server.close();
    }
  } finally {
    await registry.close();
  }
  return rows;
}

type WriteEngine = 'sqlite' | 'postgres';

/** `BENCH_WRITES_ENGINES`' value, e.g. `postgres` or `sqlite,postgres`; both when unset or empty. */
export function writeEngines(value: string | undefined): WriteEngine[] {
  const named = (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (named.length === 0) return ['sqlite', 'postgres'];
  for (const name of named) {
    if (name !== 'sqlite' && name !== 'postgres')
      throw new Error(`BENCH_WRITES_ENGINES: "${name}" is neither sqlite nor postgres.`);
  }
  return named as WriteEngine[];
}

/**
 * `BENCH_WRITE_SPREAD`'s value: the clients of the cell whose creates go to as many models as
 * there are clients (16 when unset or empty; `0` leaves the cell out).
 */
export function spreadClients(value: string | undefined): number | undefined {
  const text = (value ?? '').trim();
  if (text === '') return 16;
  const clients = Number(text);
  if (!Number.isInteger(clients) || clients < 0)
    throw new Error(`BENCH_WRITE_SPREAD: "${text}" is not a whole number of clients.`);
  return clients === 0 ? undefined : clients;
}

/** The engines asked for (PostgreSQL when `pgUrl` answers), each at each client count. */
export async function runHttpWritesBench(options: {
  pgUrl: string;
  clients: number[];
  spreadClients?: number | undefined;
  seconds: number;
  engines: WriteEngine[];
}): Promise<WriteRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-writes-'));
  const { engines, ...cells } = options;
  try {
    const rows: WriteRow[] = [];
    if (engines.includes('sqlite')) {
      process.stderr.write('writes on SQLite…\n');
      rows.push(
        ...(await driveEngine({
          engine: 'SQLite (WAL, synchronous=FULL)',
          database: `sqlite:${join(dir, 'data', 'clearance.db')}`,
          dir,
          raw: rawSqliteCommits(dir, 2000),
          ...cells,
        })),
      );
    }
    if (engines.includes('postgres')) {
      process.stderr.write('writes on PostgreSQL…\n');
      const pgRows = await withPostgresDatabase(options.pgUrl, async (url) =>
        driveEngine({
          engine: 'PostgreSQL 15',
          database: url,
          dir: join(dir, 'pg'),
          raw: await rawPostgresCommits(url, 1000),
          ...cells,
        }),
      );
      rows.push(...(pgRows ?? []));
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function writesTable(rows: WriteRow[]): string {
  const lines = [
    '| engine | clients | models | creates/s | p50 (ms) | p99 (ms) | server CPU µs/create | raw durable commits/s (one connection) | ratio to raw | event loop busy | write path busy | writes per transaction | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const share = (v: number | undefined) => (v === undefined ? '' : `${(100 * v).toFixed(0)}%`);
  for (const r of rows) {
    lines.push(
      `| ${r.engine} | ${r.clients} | ${r.models ?? 1} | ${n(r.requestsPerSecond)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${n(r.cpuMicrosPerRequest)} | ${n(r.rawCommitsPerSecond)} | ${(r.requestsPerSecond / r.rawCommitsPerSecond).toFixed(2)} | ${share(r.eventLoopBusy)} | ${share(r.writePathBusy)} | ${r.writesPerTransaction?.toFixed(1) ?? ''} | ${r.errors} |`,
    );
  }
  return lines.join('\n');
}
