/**
 * Registry reads on PostgreSQL from one and from two server processes (`BENCH_ONLY=servers`, issue
 * 12 item 7): `clearance serve` started as child processes on one database (seeded like the
 * SQLite reads bench), driven by wrk; with two servers, two wrk processes at half the connections
 * each, one per server, at the same time, and their rates added. `/healthz` the same way is the
 * ceiling of each arrangement. Server CPU is read from /proc for the children.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { bootstrapAdmin, registerPolicy } from '../src/app/index.js';
import { openRegistry } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import type { Principal } from '../src/domain/index.js';
import { readsPolicy, seedModel, type WrkResult, wrk } from './http-reads.js';

export interface ServersRow {
  route: string;
  clients: number;
  /** req/s with one server and with two (summed over both). */
  oneServer: number;
  twoServers: number;
  /** `/healthz` req/s in the same arrangements. */
  oneCeiling: number;
  twoCeiling: number;
  /** Server CPU (all servers) per request, µs. */
  oneCpuMicros: number;
  twoCpuMicros: number;
  errors: number;
}

const root = join(import.meta.dirname, '..', '..');
const ticksPerSecond = 100; // USER_HZ on Linux

function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return 0;
  // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1e6;
}

interface Served {
  url: string;
  child: ChildProcess;
}

function serve(database: string, dataDir: string): Promise<Served> {
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin', 'clearance.js'),
      'serve',
      '--database',
      database,
      '--data-dir',
      dataDir,
      '--port',
      '0',
    ],
    {
      env: { ...process.env, CLEARANCE_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const seen = (chunk: Buffer) => {
      out += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url !== undefined) resolve({ url, child });
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', seen);
    child.on('exit', (code) => reject(new Error(`clearance serve exited ${code}: ${out}`)));
  });
}

function stop(served: Served): Promise<void> {
  return new Promise((resolve) => {
    if (served.child.exitCode !== null || served.child.signalCode !== null) return resolve();
    served.child.once('exit', () => resolve());
    served.child.kill('SIGTERM');
  });
}

/** wrk against each server at once, `clients` split between them; rates added. */
async function drive(
  servers: Served[],
  path: string,
  options: { clients: number; seconds: number; token?: string },
): Promise<WrkResult & { cpuMicros: number; requests: number }> {
  const before = servers.map((s) => cpuMicros(s.child.pid));
  const share = Math.max(1, Math.round(options.clients / servers.length));
  const results = await Promise.all(
    servers.map((s) => wrk(`${s.url}${path}`, { ...options, clients: share })),
  );
  const used = servers.reduce((sum, s, i) => sum + cpuMicros(s.child.pid) - (before[i] ?? 0), 0);
  const requestsPerSecond = results.reduce((sum, r) => sum + r.requestsPerSecond, 0);
  return {
    requestsPerSecond,
    p50Ms: Math.max(...results.map((r) => r.p50Ms)),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    cpuMicros: used,
    requests: requestsPerSecond * options.seconds,
  };
}

const routes = [
  { label: '`GET /api/v1/models/{name}`', path: '/api/v1/models/m200' },
  { label: '`GET /api/v1/models/{name}/serving`', path: '/api/v1/models/m200/serving' },
  {
    label: '`GET /api/v1/models/{name}/versions/{version}`',
    path: '/api/v1/models/m200/versions/1.0.7',
  },
  {
    label: '`GET /api/v1/models/{name}/versions?limit=100&after=…` (1,000 versions)',
    path: '/api/v1/models/m1000/versions?limit=100&after=1.0.499',
  },
];

async function seed(database: string, dataDir: string): Promise<string> {
  const config = loadConfig({ env: {}, flags: { dataDir, database } });
  const registry = await openRegistry(config);
  try {
    const { user, token } = await bootstrapAdmin(registry.deps, { userId: 'bench.admin' });
    const admin: Principal = { id: user.id, kind: 'user', roles: [{ role: 'admin' }] };
    const { digest } = await registerPolicy(registry.deps, admin, { text: readsPolicy });
    process.stderr.write('  seeding models of 200 and 1,000 versions on PostgreSQL…\n');
    await seedModel(registry.deps, admin, { name: 'm200', versions: 200, policyDigest: digest });
    await seedModel(registry.deps, admin, { name: 'm1000', versions: 1000, policyDigest: digest });
    return token.token;
  } finally {
    await registry.close();
  }
}

export async function runServersBench(options: {
  pgUrl: string;
  clients: number[];
  seconds: number;
}): Promise<ServersRow[]> {
  const name = `clearance_servers_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: options.pgUrl });
  await admin.connect();
  const dir = mkdtempSync(join(tmpdir(), 'clearance-servers-'));
  const started: Served[] = [];
  try {
    await admin.query(`create database "${name}"`);
    const url = new URL(options.pgUrl);
    url.pathname = `/${name}`;
    const database = url.toString();
    const dataDir = join(dir, 'data');
    const token = await seed(database, dataDir);
    // What autovacuum does within a minute or so of the load: without statistics PostgreSQL plans
    // a version page as a nested loop over all the model's states (~150 ms instead of ~1 ms).
    const seeded = new pg.Client({ connectionString: database });
    await seeded.connect();
    await seeded.query('analyze');
    await seeded.end();
    for (let i = 0; i < 2; i++) started.push(await serve(database, dataDir));
    const one = started.slice(0, 1);
    const rows: ServersRow[] = [];
    for (const server of started) {
      for (const route of routes)
        await wrk(`${server.url}${route.path}`, { clients: 8, seconds: 1, token });
    }
    for (const clients of options.clients) {
      for (const route of routes) {
        const run = { clients, seconds: options.seconds, token };
        const ceilingRun = { clients, seconds: options.seconds };
        const oneCeiling = await drive(one, '/healthz', ceilingRun);
        const oneServer = await drive(one, route.path, run);
        const twoCeiling = await drive(started, '/healthz', ceilingRun);
        const twoServers = await drive(started, route.path, run);
        const row: ServersRow = {
          route: route.label,
          clients,
          oneServer: oneServer.requestsPerSecond,
          twoServers: twoServers.requestsPerSecond,
          oneCeiling: oneCeiling.requestsPerSecond,
          twoCeiling: twoCeiling.requestsPerSecond,
          oneCpuMicros: oneServer.cpuMicros / oneServer.requests,
          twoCpuMicros: twoServers.cpuMicros / twoServers.requests,
          errors: oneServer.errors + twoServers.errors,
        };
        process.stderr.write(
          `  ${clients} clients ${route.path}: one ${Math.round(row.oneServer)} req/s, two ${Math.round(row.twoServers)} req/s\n`,
        );
        rows.push(row);
      }
    }
    return rows;
  } finally {
    for (const server of started) await stop(server);
    await admin.query(`drop database if exists "${name}" with (force)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function serversTable(rows: ServersRow[]): string {
  const lines = [
    '| route | clients | one server req/s | two servers req/s | two / one | `/healthz` one | `/healthz` two | CPU µs/req one | CPU µs/req two | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  for (const r of rows) {
    lines.push(
      `| ${r.route} | ${r.clients} | ${n(r.oneServer)} | ${n(r.twoServers)} | ${(r.twoServers / r.oneServer).toFixed(2)}× | ${n(r.oneCeiling)} | ${n(r.twoCeiling)} | ${r.oneCpuMicros.toFixed(0)} | ${r.twoCpuMicros.toFixed(0)} | ${r.errors} |`,
    );
  }
  return lines.join('\n');
}
