/**
 * Registry reads on PostgreSQL from one and from two server processes (`BENCH_ONLY=servers`, issue
 * 12 item 7): `clearance serve` started as child processes on one database (seeded like the
 * SQLite reads bench), driven by wrk; with two servers, two wrk processes at half the connections
 * each, one per server, at the same time, and their rates added. `/healthz` the same way is the
 * ceiling of each arrangement. Server CPU is read from /proc for the children.
 *
 * `BENCH_SERVERS_AGAINST=<checkout>` (another checkout, built with `npm run build`; named in the
 * table by `BENCH_SERVERS_AGAINST_LABEL`, else by its path) runs that
 * build's servers beside this build's, each on a database of its own seeded by its own code, and
 * measures them alternately (this build, then the other; `BENCH_SERVERS_ROUNDS` times, the order
 * swapped each round), so a ratio between them is not the drift of a busy machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type * as AppModule from '../src/app/index.js';
import type * as ComposeModule from '../src/compose.js';
import type * as ConfigModule from '../src/config.js';
import type { Principal } from '../src/domain/index.js';
import type * as ReadsModule from './http-reads.js';
import { type WrkResult, wrk } from './http-reads.js';

export interface ServersRow {
  route: string;
  clients: number;
  /** Which build served: `this build`, or the checkout of `BENCH_SERVERS_AGAINST`. */
  build: string;
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

function serve(build: Build, database: string, dataDir: string): Promise<Served> {
  const child = spawn(
    process.execPath,
    [
      join(build.root, 'bin', 'clearance.js'),
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

/** A checkout whose `dist/` is built: its servers, and its own code to seed their database. */
interface Build {
  label: string;
  root: string;
}

/** The build's own modules (so its own migrations make the schema its servers expect). */
async function modulesOf(build: Build) {
  const load = <T>(path: string) =>
    import(pathToFileURL(join(build.root, 'dist', path)).href) as Promise<T>;
  const [app, compose, config, reads] = await Promise.all([
    load<typeof AppModule>('src/app/index.js'),
    load<typeof ComposeModule>('src/compose.js'),
    load<typeof ConfigModule>('src/config.js'),
    load<typeof ReadsModule>('bench/http-reads.js'),
  ]);
  return { ...app, ...compose, ...config, ...reads };
}

async function seed(build: Build, database: string, dataDir: string): Promise<string> {
  const { loadConfig, openRegistry, bootstrapAdmin, registerPolicy, readsPolicy, seedModel } =
    await modulesOf(build);
  const config = loadConfig({ env: {}, flags: { dataDir, database } });
  const registry = await openRegistry(config);
  try {
    const { user, token } = await bootstrapAdmin(registry.deps, { userId: 'bench.admin' });
    const admin: Principal = { id: user.id, kind: 'user', roles: [{ role: 'admin' }] };
    const { digest } = await registerPolicy(registry.deps, admin, { text: readsPolicy });
    process.stderr.write(`  seeding models of 200 and 1,000 versions (${build.label})…\n`);
    await seedModel(registry.deps, admin, { name: 'm200', versions: 200, policyDigest: digest });
    await seedModel(registry.deps, admin, { name: 'm1000', versions: 1000, policyDigest: digest });
    return token.token;
  } finally {
    await registry.close();
  }
}

/** One build's database and its two servers. */
interface Deployment {
  build: Build;
  database: string;
  token: string;
  servers: Served[];
}

async function deploy(
  build: Build,
  admin: pg.Client,
  pgUrl: string,
  dir: string,
  index: number,
): Promise<Deployment> {
  const name = `clearance_servers_${process.pid}_${Date.now()}_${index}`;
  await admin.query(`create database "${name}"`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  const database = url.toString();
  const dataDir = join(dir, `data-${index}`);
  const token = await seed(build, database, dataDir);
  // What autovacuum does within a minute or so of the load: without statistics PostgreSQL plans
  // a version page as a nested loop over all the model's states (~150 ms instead of ~1 ms).
  const seeded = new pg.Client({ connectionString: database });
  await seeded.connect();
  await seeded.query('analyze');
  await seeded.end();
  const deployment: Deployment = { build, database: name, token, servers: [] };
  for (let i = 0; i < 2; i++) deployment.servers.push(await serve(build, database, dataDir));
  return deployment;
}

export async function runServersBench(options: {
  pgUrl: string;
  clients: number[];
  seconds: number;
  /** Another built checkout to measure alternately with this one, and its name in the table. */
  against?: string;
  againstLabel?: string;
  /** Measurements of each (route, clients, build), alternating builds; default 1. */
  rounds?: number;
}): Promise<ServersRow[]> {
  const builds: Build[] = [{ label: 'this build', root }];
  if (options.against !== undefined)
    builds.push({ label: options.againstLabel ?? options.against, root: options.against });
  const admin = new pg.Client({ connectionString: options.pgUrl });
  await admin.connect();
  const dir = mkdtempSync(join(tmpdir(), 'clearance-servers-'));
  const deployments: Deployment[] = [];
  try {
    for (const [index, build] of builds.entries()) {
      deployments.push(await deploy(build, admin, options.pgUrl, dir, index));
    }
    for (const d of deployments) {
      for (const server of d.servers) {
        for (const route of routes)
          await wrk(`${server.url}${route.path}`, { clients: 8, seconds: 1, token: d.token });
      }
    }
    const rounds = options.rounds ?? 1;
    const rows: ServersRow[] = [];
    for (const clients of options.clients) {
      for (const route of routes) {
        const sums = deployments.map(() => ({
          one: 0,
          two: 0,
          oneCeiling: 0,
          twoCeiling: 0,
          oneCpu: 0,
          twoCpu: 0,
          oneRequests: 0,
          twoRequests: 0,
          errors: 0,
        }));
        for (let round = 0; round < rounds; round++) {
          // A, B in even rounds, B, A in odd ones: neither build always goes first.
          const order = deployments.map((_, i) => i);
          if (round % 2 === 1) order.reverse();
          for (const i of order) {
            const d = deployments[i];
            const sum = sums[i];
            if (d === undefined || sum === undefined) continue;
            const run = { clients, seconds: options.seconds, token: d.token };
            const ceilingRun = { clients, seconds: options.seconds };
            const one = d.servers.slice(0, 1);
            const oneCeiling = await drive(one, '/healthz', ceilingRun);
            const oneServer = await drive(one, route.path, run);
            const twoCeiling = await drive(d.servers, '/healthz', ceilingRun);
            const twoServers = await drive(d.servers, route.path, run);
            sum.one += oneServer.requestsPerSecond / rounds;
            sum.two += twoServers.requestsPerSecond / rounds;
            sum.oneCeiling += oneCeiling.requestsPerSecond / rounds;
            sum.twoCeiling += twoCeiling.requestsPerSecond / rounds;
            sum.oneCpu += oneServer.cpuMicros;
            sum.twoCpu += twoServers.cpuMicros;
            sum.oneRequests += oneServer.requests;
            sum.twoRequests += twoServers.requests;
            sum.errors += oneServer.errors + twoServers.errors;
            process.stderr.write(
              `  ${d.build.label}, ${clients} clients ${route.path}: one ${Math.round(oneServer.requestsPerSecond)} req/s, two ${Math.round(twoServers.requestsPerSecond)} req/s\n`,
            );
          }
        }
        for (const [i, d] of deployments.entries()) {
          const sum = sums[i];
          if (sum === undefined) continue;
          rows.push({
            route: route.label,
            clients,
            build: d.build.label,
            oneServer: sum.one,
            twoServers: sum.two,
            oneCeiling: sum.oneCeiling,
            twoCeiling: sum.twoCeiling,
            oneCpuMicros: sum.oneCpu / sum.oneRequests,
            twoCpuMicros: sum.twoCpu / sum.twoRequests,
            errors: sum.errors,
          });
        }
      }
    }
    return rows;
  } finally {
    for (const d of deployments) for (const server of d.servers) await stop(server);
    for (const d of deployments) {
      await admin
        .query(`drop database if exists "${d.database}" with (force)`)
        .catch(() => undefined);
    }
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function serversTable(rows: ServersRow[]): string {
  const lines = [
    '| route | clients | build | one server req/s | two servers req/s | two / one | `/healthz` one | `/healthz` two | CPU µs/req one | CPU µs/req two | errors |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  for (const r of rows) {
    lines.push(
      `| ${r.route} | ${r.clients} | ${r.build} | ${n(r.oneServer)} | ${n(r.twoServers)} | ${(r.twoServers / r.oneServer).toFixed(2)}× | ${n(r.oneCeiling)} | ${n(r.twoCeiling)} | ${r.oneCpuMicros.toFixed(0)} | ${r.twoCpuMicros.toFixed(0)} | ${r.errors} |`,
    );
  }
  // With two builds: this build's rates over the other's, measured in the same rounds.
  const against = rows.filter((r) => r.build !== 'this build');
  if (against.length > 0) {
    lines.push(
      '',
      '| route | clients | this build / other, one server | this build / other, two servers |',
      '| --- | ---: | ---: | ---: |',
    );
    for (const other of against) {
      const mine = rows.find(
        (r) => r.build === 'this build' && r.route === other.route && r.clients === other.clients,
      );
      if (mine === undefined) continue;
      lines.push(
        `| ${other.route} | ${other.clients} | ${(mine.oneServer / other.oneServer).toFixed(2)}× | ${(mine.twoServers / other.twoServers).toFixed(2)}× |`,
      );
    }
  }
  return lines.join('\n');
}
