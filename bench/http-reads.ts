/**
 * Registry reads over HTTP (`BENCH_ONLY=reads`): a real server (SQLite, this process) on loopback
 * with seeded models of 200 and 1,000 versions, driven closed-loop by Debian's `wrk` in a child
 * process at 16 and 64 connections. Each route is printed beside the same server's `GET /healthz`
 * (no authentication, no database) measured in the same run: the ceiling of this machine, this
 * Node and Fastify, which a registry read can approach but never pass.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AppDeps,
  bootstrapAdmin,
  importProduction,
  registerModel,
  registerPolicy,
  registerVersion,
} from '../src/app/index.js';
import { openRegistry, startServer } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import type { Principal } from '../src/domain/index.js';

export interface ReadRow {
  route: string;
  clients: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** `/healthz` at the same clients, in slices interleaved with this route's. */
  ceilingPerSecond: number;
  /** `requestsPerSecond` over `ceilingPerSecond`. */
  shareOfCeiling: number;
  /** The server's CPU (user + system) per request, and the same for `/healthz`. */
  cpuMicrosPerRequest: number;
  ceilingCpuMicrosPerRequest: number;
  /** Non-2xx answers wrk counted (must be 0 for a row to mean anything). */
  errors: number;
}

export const readsPolicy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: bench-reads, riskTier: medium }
roles: [model_owner, tech_lead, admin]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    approvals: [{ role: tech_lead }]
`;

const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

export async function seedModel(
  deps: AppDeps,
  admin: Principal,
  input: { name: string; versions: number; policyDigest: string },
): Promise<void> {
  const { name } = input;
  await registerModel(deps, admin, {
    name,
    ownerTeam: 'bench',
    riskTier: 'medium',
    policyDigest: input.policyDigest,
  });
  for (let i = 0; i < input.versions; i++) {
    const version = `1.0.${i}`;
    await registerVersion(deps, admin, {
      model: name,
      version,
      artifactUri: `s3://models/${name}/${version}`,
      artifactDigest: sha(`${name}@${version}`),
      lineage: {
        codeCommit: createHash('sha1').update(version).digest('hex'),
        dataSnapshotId: `snap-${i}`,
        configDigest: sha(`cfg-${i}`),
        seed: i,
      },
    });
  }
  await importProduction(deps, admin, {
    model: name,
    version: '1.0.0',
    reason: 'served before Clearance (benchmark seed)',
  });
}

export interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

function millis(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!match?.[1]) throw new Error(`wrk printed a latency I cannot read: ${text}`);
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(match[1]) * scale;
}

function parseWrk(output: string): WrkResult {
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(output)?.[1];
  const p50 = /^\s+50%\s+(\S+)\s*$/m.exec(output)?.[1];
  const p99 = /^\s+99%\s+(\S+)\s*$/m.exec(output)?.[1];
  if (!rate || !p50 || !p99) throw new Error(`wrk output not understood:\n${output}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const socket = socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    requestsPerSecond: Number(rate),
    p50Ms: millis(p50),
    p99Ms: millis(p99),
    errors: non2xx + socket,
  };
}

/**
 * wrk in a child process: this process's event loop stays free to serve. `script` is a Lua file
 * (a POST's method, body and headers).
 */
export function wrk(
  url: string,
  options: { clients: number; seconds: number; token?: string; script?: string },
) {
  const args = [
    `-t${Math.min(2, options.clients)}`,
    `-c${options.clients}`,
    `-d${options.seconds}s`,
    '--latency',
    ...(options.token ? ['-H', `Authorization: Bearer ${options.token}`] : []),
    ...(options.script ? ['-s', options.script] : []),
    url,
  ];
  return new Promise<WrkResult>((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`wrk exited with ${code}:\n${out}`));
      else resolve(parseWrk(out));
    });
  });
}

export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined;
}

interface Route {
  label: string;
  path: string;
  authenticated: boolean;
}

function routesFor(): Route[] {
  const api = '/api/v1/models';
  return [
    { label: '`GET /healthz` (no auth, no database)', path: '/healthz', authenticated: false },
    { label: '`GET /api/v1/models/{name}`', path: `${api}/m200`, authenticated: true },
    {
      label: '`GET /api/v1/models/{name}/serving`',
      path: `${api}/m200/serving`,
      authenticated: true,
    },
    {
      label: '`GET /api/v1/models/{name}/versions/{version}`',
      path: `${api}/m200/versions/1.0.7`,
      authenticated: true,
    },
    {
      label: '`GET /api/v1/models/{name}/versions` (all 200)',
      path: `${api}/m200/versions`,
      authenticated: true,
    },
    {
      label:
        '`GET /api/v1/models/{name}/versions?limit=100&after=…` (1,000 versions, a middle page)',
      path: `${api}/m1000/versions?limit=100&after=1.0.499`,
      authenticated: true,
    },
  ];
}

/** Seeds a fresh registry, serves it on loopback and drives each route at each client count. */
export async function runHttpReadsBench(options: {
  clients: number[];
  seconds: number;
}): Promise<ReadRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-reads-'));
  const config = loadConfig({
    env: {},
    flags: { dataDir: dir, host: '127.0.0.1', port: 0, sqliteSynchronous: 'full' },
  });
  const registry = await openRegistry(config);
  try {
    const { user, token } = await bootstrapAdmin(registry.deps, { userId: 'bench.admin' });
    const admin: Principal = { id: user.id, kind: 'user', roles: [{ role: 'admin' }] };
    const { digest } = await registerPolicy(registry.deps, admin, { text: readsPolicy });
    process.stderr.write('seeding models of 200 and 1,000 versions…\n');
    await seedModel(registry.deps, admin, { name: 'm200', versions: 200, policyDigest: digest });
    await seedModel(registry.deps, admin, { name: 'm1000', versions: 1000, policyDigest: digest });
    const server = await startServer(registry);
    try {
      return await driveRoutes(server.url, token.token, options);
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One wrk run, with the CPU this process (the server) spent on it. */
async function measured(
  url: string,
  options: { clients: number; seconds: number; token?: string },
): Promise<WrkResult & { cpuMicros: number; requests: number }> {
  const cpu = process.cpuUsage();
  const result = await wrk(url, options);
  const used = process.cpuUsage(cpu);
  return {
    ...result,
    cpuMicros: used.user + used.system,
    requests: result.requestsPerSecond * options.seconds,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

/**
 * Each route in `rounds` slices, each right after a `/healthz` slice of the same length: other
 * load on the machine then weighs on a route and on its ceiling alike. Besides wall-clock
 * throughput, the server's CPU per request: the share of the ceiling the route would reach on a
 * machine with nothing else running, whatever the neighbours do now.
 */
async function driveRoutes(
  base: string,
  token: string,
  options: { clients: number[]; seconds: number; rounds?: number },
): Promise<ReadRow[]> {
  const rows: ReadRow[] = [];
  const rounds = options.rounds ?? 3;
  const slice = Math.max(1, Math.round(options.seconds / rounds));
  const routes = routesFor();
  const ceilingRoute = routes[0];
  if (!ceilingRoute) throw new Error('no ceiling route');
  // Warm-up: JIT, the statement caches, the page cache.
  for (const route of routes) {
    await wrk(`${base}${route.path}`, { clients: 16, seconds: 1, token });
  }
  for (const clients of options.clients) {
    for (const route of routes.slice(1)) {
      const probe = await fetch(`${base}${route.path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await probe.arrayBuffer();
      if (probe.status !== 200) {
        process.stderr.write(`  ${route.path}: ${probe.status}, skipped\n`);
        continue;
      }
      type Run = Awaited<ReturnType<typeof measured>>;
      const ceiling: Run[] = [];
      const runs: Run[] = [];
      for (let round = 0; round < rounds; round++) {
        ceiling.push(await measured(`${base}${ceilingRoute.path}`, { clients, seconds: slice }));
        runs.push(await measured(`${base}${route.path}`, { clients, seconds: slice, token }));
      }
      const total = (list: Run[], key: 'requests' | 'cpuMicros') =>
        list.reduce((sum, run) => sum + run[key], 0);
      const cpuPerRequest = total(runs, 'cpuMicros') / total(runs, 'requests');
      const ceilingCpu = total(ceiling, 'cpuMicros') / total(ceiling, 'requests');
      const row: ReadRow = {
        route: route.label,
        clients,
        requestsPerSecond: total(runs, 'requests') / (slice * rounds),
        ceilingPerSecond: total(ceiling, 'requests') / (slice * rounds),
        p50Ms: median(runs.map((r) => r.p50Ms)),
        p99Ms: median(runs.map((r) => r.p99Ms)),
        shareOfCeiling: total(runs, 'requests') / total(ceiling, 'requests'),
        cpuMicrosPerRequest: cpuPerRequest,
        ceilingCpuMicrosPerRequest: ceilingCpu,
        errors: runs.reduce((sum, run) => sum + run.errors, 0),
      };
      process.stderr.write(
        `  ${clients} clients ${route.path}: ${Math.round(row.requestsPerSecond)} req/s (${(row.shareOfCeiling * 100).toFixed(0)}%), p99 ${row.p99Ms.toFixed(1)} ms, ${cpuPerRequest.toFixed(0)} µs CPU (ceiling ${ceilingCpu.toFixed(0)})\n`,
      );
      rows.push(row);
    }
  }
  return rows;
}

export function readsTable(rows: ReadRow[]): string {
  const lines = [
    '| route | clients | req/s | `/healthz` req/s | share of `/healthz` | p50 (ms) | p99 (ms) | server CPU µs/req | `/healthz` CPU µs/req | CPU share | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  for (const r of rows) {
    const cpuShare = r.ceilingCpuMicrosPerRequest / r.cpuMicrosPerRequest;
    lines.push(
      `| ${r.route} | ${r.clients} | ${n(r.requestsPerSecond)} | ${n(r.ceilingPerSecond)} | ${(r.shareOfCeiling * 100).toFixed(0)}% | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.cpuMicrosPerRequest.toFixed(0)} | ${r.ceilingCpuMicrosPerRequest.toFixed(0)} | ${(cpuShare * 100).toFixed(0)}% | ${r.errors} |`,
    );
  }
  return lines.join('\n');
}
