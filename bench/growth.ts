/**
 * Growth (`BENCH_ONLY=growth`, issue 12 item 5): the same reads and one governed transition on a
 * registry of 1,000 versions (10 models) and of 1 M versions (10,000 models), 100 versions each,
 * on SQLite and (when it answers) PostgreSQL. One probe model is registered through the use cases
 * (its policy, model and 100 versions); the others are copies of its rows written straight into
 * the tables by one `INSERT … SELECT` each, as bench/audit-synthetic.ts does for the audit log, so
 * the large registry takes a minute rather than an hour. Each figure is the median of sequential
 * calls in this process (no HTTP); the ratio large / small is what the issue bounds (≤ 1.5×).
 * The audit log stays small here: its growth has its own rows (`BENCH_ONLY=audit`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import {
  type AppDeps,
  executeTransition,
  getModel,
  getVersion,
  recordApproval,
  registerModel,
  registerPolicy,
  registerVersion,
  requestTransition,
  versionPage,
} from '../src/app/index.js';
import type { Principal } from '../src/domain/index.js';
import { createStore, openDialect, type StoreConfig } from '../src/store/index.js';
import { depsFor } from './bench-deps.js';

export interface GrowthRow {
  engine: 'SQLite' | 'PostgreSQL';
  operation: string;
  /** Median milliseconds at 1,000 versions and at 1 M versions. */
  smallMs: number;
  largeMs: number;
  largeVersions: number;
  seedSeconds: number;
}

const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: bench-growth, riskTier: medium }
roles: [model_owner, tech_lead, admin]
transitions:
  - from: draft
    to: staging
    requestedBy: [model_owner]
    approvals: [{ role: tech_lead }]
`;

const who = (id: string, role: string): Principal => ({ id, kind: 'user', roles: [{ role }] });
const admin = who('bench.admin', 'admin');
const owner = who('olga.owner', 'model_owner');
const tech = who('tess.tech', 'tech_lead');
const probe = 'probe';
const perModel = 100;

/** The probe model through the use cases: policy, model, `perModel` versions. */
async function seedProbe(deps: AppDeps): Promise<void> {
  const { digest } = await registerPolicy(deps, admin, { text: policy });
  await registerModel(deps, admin, {
    name: probe,
    ownerTeam: 'bench',
    riskTier: 'medium',
    policyDigest: digest,
  });
  for (let i = 0; i < perModel; i++) {
    await registerVersion(deps, admin, {
      model: probe,
      version: `1.0.${i}`,
      artifactUri: `s3://models/${probe}/1.0.${i}`,
      artifactDigest: `sha256:${String(i % 10).repeat(64)}`,
      lineage: { seed: i },
    });
  }
}

/** `models - 1` copies of the probe's model, serving and version rows, named `g0`, `g1`, …. */
async function seedCopies(config: StoreConfig, models: number): Promise<void> {
  const dialect = openDialect(config);
  try {
    const db = dialect.db;
    const copies = `with recursive n(i) as (select 0 union all select i + 1 from n where i < ${models - 2})`;
    await sql
      .raw(
        `${copies} insert into models (name, owner_team, risk_tier, policy_digest, description, created_at, created_by)
         select 'g' || n.i, m.owner_team, m.risk_tier, m.policy_digest, m.description, m.created_at, m.created_by
         from n, models m where m.name = '${probe}'`,
      )
      .execute(db);
    await sql
      .raw(`insert into serving (model) select name from models where name <> '${probe}'`)
      .execute(db);
    await sql
      .raw(
        `${copies} insert into versions (model, version, artifact_uri, artifact_digest, lineage, created_at, created_by)
         select 'g' || n.i, v.version, v.artifact_uri, v.artifact_digest, v.lineage, v.created_at, v.created_by
         from n, versions v where v.model = '${probe}'`,
      )
      .execute(db);
    await sql
      .raw(
        `insert into version_states (model, version, state, request_id, since)
         select model, version, 'draft', null, created_at from versions where model <> '${probe}'`,
      )
      .execute(db);
    // What autovacuum does on PostgreSQL after a bulk load; SQLite plans without statistics.
    if (config.engine === 'postgres') await sql.raw('analyze').execute(db);
  } finally {
    await dialect.destroy();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

async function medianMs(runs: number, work: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(20, runs); i++) await work(i); // warm-up: JIT, statement caches
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await work(i);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}

/** The four timings on a registry of `models` × `perModel` versions. */
async function timings(config: StoreConfig, models: number, dir: string) {
  const seedStarted = process.hrtime.bigint();
  let store = await createStore(config);
  await seedProbe(depsFor(store, dir));
  await store.close();
  await seedCopies(config, models);
  const seedSeconds = Number(process.hrtime.bigint() - seedStarted) / 1e9;
  store = await createStore(config);
  try {
    const deps = depsFor(store, dir);
    const reads = Number(process.env.BENCH_GROWTH_READS ?? 300);
    const model = await medianMs(reads, () => getModel(deps, owner, { name: probe }));
    const version = await medianMs(reads, (i) =>
      getVersion(deps, owner, { model: probe, version: `1.0.${i % perModel}` }),
    );
    const page = await medianMs(reads, () =>
      versionPage(deps, owner, { model: probe, limit: 50, after: '1.0.24' }),
    );
    // Each transition moves a version of its own from draft to staging: request, approve, execute.
    let next = 30;
    const transition = await medianMs(
      Number(process.env.BENCH_GROWTH_TRANSITIONS ?? 30),
      async () => {
        const v = `1.0.${next++}`;
        const { request } = await requestTransition(deps, owner, {
          model: probe,
          version: v,
          to: 'staging',
          reason: 'growth bench',
        });
        await recordApproval(deps, tech, {
          requestId: request.id,
          role: 'tech_lead',
          decision: 'approve',
          comment: 'ok',
          riskClass: 'low',
        });
        await executeTransition(deps, owner, { requestId: request.id });
      },
    );
    return { model, version, page, transition, seedSeconds };
  } finally {
    await store.close();
  }
}

async function withPostgresDatabase<T>(base: string, work: (url: string) => Promise<T>) {
  const name = `clearance_growth_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    try {
      return await work(url.toString());
    } finally {
      await admin.query(`drop database if exists "${name}" with (force)`);
    }
  } finally {
    await admin.end();
  }
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export async function runGrowthBench(options: {
  pgUrl: string;
  smallModels: number;
  largeModels: number;
}): Promise<GrowthRow[]> {
  const rows: GrowthRow[] = [];
  const engines: ('SQLite' | 'PostgreSQL')[] = ['SQLite'];
  if (await answers(options.pgUrl)) engines.push('PostgreSQL');
  else process.stderr.write(`  (PostgreSQL at ${options.pgUrl} does not answer: SQLite only)\n`);
  for (const engine of engines) {
    const at = async (models: number) => {
      const dir = mkdtempSync(join(tmpdir(), 'clearance-growth-'));
      try {
        process.stderr.write(
          `  ${engine}: ${(models * perModel).toLocaleString('en-US')} versions across ${models.toLocaleString('en-US')} models…\n`,
        );
        if (engine === 'SQLite') {
          return await timings({ engine: 'sqlite', file: join(dir, 'growth.db') }, models, dir);
        }
        return await withPostgresDatabase(options.pgUrl, (url) =>
          timings({ engine: 'postgres', url }, models, dir),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const small = await at(options.smallModels);
    const large = await at(options.largeModels);
    const operations = [
      ['model read (`getModel`)', 'model'],
      ['version read (`getVersion`)', 'version'],
      ['version page (50 after the 25th)', 'page'],
      ['governed transition (request, approve, execute)', 'transition'],
    ] as const;
    for (const [operation, key] of operations) {
      rows.push({
        engine,
        operation,
        smallMs: small[key],
        largeMs: large[key],
        largeVersions: options.largeModels * perModel,
        seedSeconds: large.seedSeconds,
      });
    }
  }
  return rows;
}

export function growthTable(rows: GrowthRow[]): string {
  const lines = [
    '| engine | operation | median at 1,000 versions (ms) | median at large (ms) | versions (large) | large / small | seeding the large registry (s) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.engine} | ${r.operation} | ${r.smallMs.toFixed(3)} | ${r.largeMs.toFixed(3)} | ${r.largeVersions.toLocaleString('en-US')} | ${(r.largeMs / r.smallMs).toFixed(2)}× | ${r.seedSeconds.toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}
