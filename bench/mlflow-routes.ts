/**
 * The MLflow-compatible routes over HTTP (`BENCH_ONLY=mlflow`): a real server (SQLite, this
 * process) on loopback, a registered model of 200 versions registered through the MLflow API,
 * driven closed-loop by `wrk` at 1 and 16 connections: `registered-models/get` (its latest version
 * per stage), `model-versions/search` by name (a page of 100) and `model-versions/create` (a POST;
 * every request registers a version, audited), on a new model and on one of `BENCH_MLFLOW_BIG`
 * (5,000) versions: numbering a version must not grow with its model (migration 0029); and
 * `registered-models/search` over `BENCH_MLFLOW_MODELS` (1,000) models of one version each, quiet
 * and with a model tag set every 10 ms alongside (each a commit: the records kept per model are
 * re-read only for the models whose change count moved, ADR 048); beside them Clearance's own
 * `GET /api/v1/models` over the same registry (the kept list, serialised once per commit). Each
 * beside the same server's
 * `GET /healthz` in the same run (this machine's ceiling), with the server's CPU per request
 * (steadier than req/s on a shared machine; the tag writes' CPU counts in the second search row).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bindUseCases,
  bootstrapAdmin,
  type MlflowUseCases,
  registerPolicy,
} from '../src/app/index.js';
import { openRegistry, startServer } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import type { Principal } from '../src/domain/index.js';
import { type WrkResult, wrk } from './http-reads.js';

export interface MlflowRow {
  route: string;
  clients: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** `/healthz` at the same clients, measured right before the route. */
  ceilingPerSecond: number;
  /** CPU this process (the server: wrk runs in a child) spent per request: steadier than req/s. */
  cpuMicrosPerRequest: number;
  /** Socket errors (timeouts: no answer within wrk's 2 s) and non-2xx answers. */
  errors: number;
}

const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: bench-mlflow, riskTier: medium }
roles: [model_owner, tech_lead, admin]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    approvals: [{ role: tech_lead }]
`;

const prefix = '/api/2.0/mlflow';

/** Versions of the model the second create row registers on. */
const bigModelVersions = Number(process.env.BENCH_MLFLOW_BIG ?? 5000);
/** Models (one version each) `registered-models/search` covers. */
const searchedModels = Number(process.env.BENCH_MLFLOW_MODELS ?? 1000);
/** While the "under writes" search row runs, a model tag is set this often (each a commit). */
const tagEveryMs = 10;

interface Route {
  label: string;
  path: string;
  /** A POST's JSON body; wrk sends it through a Lua script. */
  body?: object;
  /** Commits alongside: a model tag set every `tagEveryMs` while the route runs. */
  underWrites?: boolean;
}

function routes(): Route[] {
  return [
    {
      label: '`GET registered-models/get` (200 versions)',
      path: `${prefix}/registered-models/get?name=m200`,
    },
    {
      label: "`GET model-versions/search` (`name = 'm200'`, 100 a page)",
      path: `${prefix}/model-versions/search?filter=${encodeURIComponent("name = 'm200'")}&max_results=100`,
    },
    {
      label: `\`GET registered-models/search\` (${searchedModels.toLocaleString('en-US')} models, 100 a page)`,
      path: `${prefix}/registered-models/search?max_results=100`,
    },
    {
      label: `\`GET registered-models/search\` (${searchedModels.toLocaleString('en-US')} models, 100 a page), a tag set every ${tagEveryMs} ms alongside`,
      path: `${prefix}/registered-models/search?max_results=100`,
      underWrites: true,
    },
    {
      // Not an MLflow route: Clearance's own list of the same registry, kept and serialised
      // once per commit (ADR 048).
      label: `\`GET /api/v1/models\` (every model: the ${searchedModels.toLocaleString('en-US')} above and 3 more, Clearance's REST list)`,
      path: '/api/v1/models',
    },
    {
      label: '`POST model-versions/create` (one version per request)',
      path: `${prefix}/model-versions/create`,
      body: { name: 'mcreate', source: 's3://bench/mcreate', run_id: 'run-bench' },
    },
    {
      label: `\`POST model-versions/create\` on a model of ${bigModelVersions.toLocaleString('en-US')} versions`,
      path: `${prefix}/model-versions/create`,
      body: { name: 'mbig', source: 's3://bench/mbig', run_id: 'run-bench' },
    },
  ];
}

async function seed(mlflow: MlflowUseCases, admin: Principal, digest: string): Promise<void> {
  const tags = [{ key: 'clearance.policy', value: digest }];
  for (const name of ['m200', 'mcreate', 'mbig'])
    await mlflow.mlflowCreateRegisteredModel(admin, { name, tags });
  for (let i = 0; i < 200; i++) {
    await mlflow.mlflowCreateModelVersion(admin, {
      name: 'm200',
      source: `s3://bench/m200/${i}`,
      runId: `run-${i}`,
      tags: [{ key: 'mlflow.source.git.commit', value: `c${i}` }],
    });
  }
  // Sixteen registrations at a time: they share group commits, as a sweep's would.
  let next = 0;
  const seeder = async () => {
    while (next < bigModelVersions) {
      next += 1;
      await mlflow.mlflowCreateModelVersion(admin, {
        name: 'mbig',
        source: `s3://bench/mbig/${next}`,
        runId: `run-big-${next}`,
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, seeder));
  // Models of one version each, for the registered-model search.
  let model = 0;
  const searchSeeder = async () => {
    while (model < searchedModels) {
      model += 1;
      const name = `s${String(model).padStart(5, '0')}`;
      await mlflow.mlflowCreateRegisteredModel(admin, { name, tags });
      await mlflow.mlflowCreateModelVersion(admin, { name, source: `s3://bench/${name}/1` });
    }
  };
  await Promise.all(Array.from({ length: 16 }, searchSeeder));
}

/**
 * Sets a model tag every `tagEveryMs` (each its own commit, audited) until stopped: the writes a
 * busy registry sees while MLflow clients search it. Returns how many it set.
 */
function tagWriter(mlflow: MlflowUseCases, admin: Principal): () => Promise<number> {
  let stopped = false;
  let written = 0;
  const loop = (async () => {
    while (!stopped) {
      const name = `s${String((written % searchedModels) + 1).padStart(5, '0')}`;
      await mlflow.mlflowSetModelTag(admin, { name, key: 'bench.touch', value: String(written) });
      written += 1;
      await new Promise((resolve) => setTimeout(resolve, tagEveryMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return written;
  };
}

function luaFor(dir: string, body: object): string {
  const file = join(dir, 'post.lua');
  const json = JSON.stringify(body).replaceAll('\\', '\\\\').replaceAll("'", "\\'");
  writeFileSync(
    file,
    `wrk.method = "POST"\nwrk.body = '${json}'\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  return file;
}

export async function runMlflowBench(options: {
  clients: number[];
  seconds: number;
}): Promise<MlflowRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-mlflow-'));
  const config = loadConfig({
    env: {},
    flags: { dataDir: dir, host: '127.0.0.1', port: 0, sqliteSynchronous: 'full' },
  });
  const registry = await openRegistry(config);
  try {
    const { user, token } = await bootstrapAdmin(registry.deps, { userId: 'bench.admin' });
    const admin: Principal = { id: user.id, kind: 'user', roles: [{ role: 'admin' }] };
    const { digest } = await registerPolicy(registry.deps, admin, { text: policy });
    process.stderr.write(
      `seeding models of 200 and ${bigModelVersions} versions through the MLflow use cases…\n`,
    );
    const mlflow = bindUseCases(registry.deps);
    await seed(mlflow, admin, digest);
    const server = await startServer(registry);
    try {
      const writes = () => tagWriter(mlflow, admin);
      return await drive(server.url, { token: token.token, dir, writes, ...options });
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function drive(
  base: string,
  options: {
    token: string;
    dir: string;
    clients: number[];
    seconds: number;
    writes: () => () => Promise<number>;
  },
): Promise<MlflowRow[]> {
  const rows: MlflowRow[] = [];
  const { token, seconds } = options;
  for (const route of routes().slice(0, 3))
    await wrk(`${base}${route.path}`, { clients: 4, seconds: 1, token });
  for (const clients of options.clients) {
    for (const route of routes()) {
      const ceiling = await wrk(`${base}/healthz`, { clients, seconds });
      const script = route.body ? luaFor(options.dir, route.body) : undefined;
      const cpu = process.cpuUsage();
      const stopWrites = route.underWrites ? options.writes() : undefined;
      const run: WrkResult = await wrk(`${base}${route.path}`, {
        clients,
        seconds,
        token,
        ...(script ? { script } : {}),
      });
      const tagsSet = await stopWrites?.();
      const used = process.cpuUsage(cpu);
      if (tagsSet !== undefined) {
        process.stderr.write(
          `  (${tagsSet} tags set alongside, ${(tagsSet / seconds).toFixed(0)}/s)\n`,
        );
      }
      const requests = Math.max(1, run.requestsPerSecond * seconds);
      rows.push({
        route: route.label,
        clients,
        requestsPerSecond: run.requestsPerSecond,
        p50Ms: run.p50Ms,
        p99Ms: run.p99Ms,
        ceilingPerSecond: ceiling.requestsPerSecond,
        cpuMicrosPerRequest: (used.user + used.system) / requests,
        errors: run.errors,
      });
      process.stderr.write(
        `  ${clients} clients ${route.label}: ${Math.round(run.requestsPerSecond)} req/s, p99 ${run.p99Ms.toFixed(1)} ms (healthz ${Math.round(ceiling.requestsPerSecond)})\n`,
      );
    }
  }
  return rows;
}

export function mlflowTable(rows: MlflowRow[]): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  return [
    '| route | clients | req/s | p50 (ms) | p99 (ms) | `/healthz` req/s | server CPU µs/req | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.route} | ${r.clients} | ${n(r.requestsPerSecond)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${n(r.ceilingPerSecond)} | ${Number.isFinite(r.cpuMicrosPerRequest) ? n(r.cpuMicrosPerRequest) : '–'} | ${r.errors} |`,
    ),
  ].join('\n');
}
