/**
 * Growth (`BENCH_ONLY=growth`, issue 12 item 5): the same reads and one governed transition on a
 * registry of 1,000 versions (10 models) and of 1 M versions (10,000 models), 100 versions each,
 * on SQLite and (when it answers) PostgreSQL. One probe model is registered through the use cases
 * (its policy, model and 100 versions); the others are copies of its rows written straight into
 * the tables by one `INSERT … SELECT` each, as bench/audit-synthetic.ts does for the audit log, so
 * the large registry takes a minute rather than an hour. Each figure is the median of sequential
 * calls in this process (no HTTP); the ratio large / small is what the issue bounds (≤ 1.5×).
 * The audit log stays small here: its growth has its own rows (`BENCH_ONLY=audit`). One user's
 * upload ledger grows too, from 1,000 uploads to 32,768 (a day's most at the default quota): the
 * quota check reads it in every upload's transaction (ADR 052).
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
  type Store,
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
    // The steady state a registry grown by use would be in, rather than just after a bulk load:
    // PostgreSQL's autovacuum (statistics, hint bits, visibility map); SQLite's WAL written back
    // (else the first commits pay for checkpointing the million rows). SQLite plans without
    // statistics, as the server does.
    if (config.engine === 'postgres') await sql.raw('vacuum analyze').execute(db);
    else await sql.raw('pragma wal_checkpoint(truncate)').execute(db);
  } finally {
    await dialect.destroy();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

const msSince = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;

/**
 * Median milliseconds of `work` on each registry, the two taking turns call by call, so load from
 * elsewhere on the machine weighs on both alike.
 */
async function interleaved<R>(
  registries: R[],
  runs: number,
  work: (registry: R, i: number) => Promise<unknown>,
): Promise<number[]> {
  const times = registries.map(() => [] as number[]);
  const warmUp = Math.min(20, Math.floor(runs / 2));
  for (let i = 0; i < runs + warmUp; i++) {
    for (const [k, registry] of registries.entries()) {
      const started = process.hrtime.bigint();
      await work(registry, i);
      if (i >= warmUp) times[k]?.push(msSince(started));
    }
  }
  return times.map(median);
}

/** One user's uploads in the upload ledger, the small and the large registry's (ADR 052). */
const ledgerUploads = { small: 1_000, large: 32_768 } as const;
const uploader = 'ulla.uploader';
/** An hour before the first seeded upload: the quota window holds all of them. */
const ledgerSince = '2026-11-30T23:00:00.000Z';

/**
 * `count` uploads of one user, a second apart, recorded through the ledger 500 to a transaction
 * (32,768 is the most one user can record in a day at the default quota: 2 GiB at 64 KiB a file).
 */
async function seedLedger(store: Store, count: number): Promise<void> {
  const start = Date.UTC(2026, 11, 1);
  for (let k = 0; k < count; k += 500) {
    const uploads = Array.from({ length: Math.min(500, count - k) }, (_, j) => ({
      id: `bench-upload-${k + j}`,
      principalId: uploader,
      digest: `sha256:${String((k + j) % 10).repeat(64)}`,
      size: 1000,
      at: new Date(start + (k + j) * 1000).toISOString(),
    }));
    await store.transaction((tx) => tx.blobUploads.record(...uploads));
  }
}

/** A registry of `models` × `perModel` versions: the probe model and its copies. */
async function seedGrowthRegistry(input: {
  config: StoreConfig;
  models: number;
  dir: string;
  uploads: number;
}): Promise<void> {
  const { config, models, dir, uploads } = input;
  const store = await createStore(config);
  await seedProbe(depsFor(store, dir));
  await seedLedger(store, uploads);
  await store.close();
  await seedCopies(config, models);
}

/** Moves the probe's version `1.0.i` from draft to staging: request, approve, execute. */
async function transition(deps: AppDeps, i: number): Promise<void> {
  const { request } = await requestTransition(deps, owner, {
    model: probe,
    version: `1.0.${i}`,
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
}

/** The four timings on each registry (already seeded), measured in turns. */
async function timings(configs: StoreConfig[], dir: string) {
  const stores = await Promise.all(configs.map((config) => createStore(config)));
  try {
    const all = stores.map((store) => depsFor(store, dir));
    const reads = Number(process.env.BENCH_GROWTH_READS ?? 300);
    const model = await interleaved(all, reads, (deps) => getModel(deps, owner, { name: probe }));
    const version = await interleaved(all, reads, (deps, i) =>
      getVersion(deps, owner, { model: probe, version: `1.0.${i % perModel}` }),
    );
    const page = await interleaved(all, reads, (deps) =>
      versionPage(deps, owner, { model: probe, limit: 50, after: '1.0.24' }),
    );
    // Versions 1.0.30 on: each transition moves a version of its own.
    const transitions = Math.min(Number(process.env.BENCH_GROWTH_TRANSITIONS ?? 40), 60);
    const moved = await interleaved(all, transitions, (deps, i) => transition(deps, 30 + i));
    // What an upload's quota check reads (upload-quota.ts), in a read transaction of its own.
    const quota = await interleaved(all, reads, (deps) =>
      deps.store.read((tx) => tx.blobUploads.usageSince(uploader, ledgerSince)),
    );
    return all.map((_, k) => ({
      model: model[k] ?? Number.NaN,
      version: version[k] ?? Number.NaN,
      page: page[k] ?? Number.NaN,
      transition: moved[k] ?? Number.NaN,
      quota: quota[k] ?? Number.NaN,
    }));
  } finally {
    for (const store of stores) await store.close();
  }
}

let databases = 0;

async function withPostgresDatabase<T>(base: string, work: (url: string) => Promise<T>) {
  databases += 1;
  const name = `clearance_growth_${process.pid}_${Date.now()}_${databases}`;
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
  const sizes = [options.smallModels, options.largeModels];
  for (const engine of engines) {
    const dir = mkdtempSync(join(tmpdir(), 'clearance-growth-'));
    try {
      const measure = async (configs: StoreConfig[]) => {
        let seedSeconds = 0;
        for (const [k, config] of configs.entries()) {
          const models = sizes[k] ?? 0;
          process.stderr.write(
            `  ${engine}: seeding ${(models * perModel).toLocaleString('en-US')} versions across ${models.toLocaleString('en-US')} models…\n`,
          );
          const started = process.hrtime.bigint();
          await seedGrowthRegistry({
            config,
            models,
            dir,
            uploads: k === 0 ? ledgerUploads.small : ledgerUploads.large,
          });
          seedSeconds = msSince(started) / 1000;
        }
        process.stderr.write(`  ${engine}: timing both in turns…\n`);
        return { seedSeconds, measured: await timings(configs, dir) };
      };
      const { seedSeconds, measured } =
        engine === 'SQLite'
          ? await measure(sizes.map((_, k) => ({ engine: 'sqlite', file: join(dir, `g${k}.db`) })))
          : await withPostgresDatabase(options.pgUrl, (small) =>
              withPostgresDatabase(options.pgUrl, (large) =>
                measure([small, large].map((url) => ({ engine: 'postgres', url }))),
              ),
            );
      const [small, large] = measured;
      if (small === undefined || large === undefined) throw new Error('a registry was not timed');
      const operations = [
        ['model read (`getModel`)', 'model'],
        ['version read (`getVersion`)', 'version'],
        ['version page (50 after the 25th)', 'page'],
        ['governed transition (request, approve, execute)', 'transition'],
        [
          `upload quota check (one user's ${ledgerUploads.small.toLocaleString('en-US')} vs ${ledgerUploads.large.toLocaleString('en-US')} uploads in the window)`,
          'quota',
        ],
      ] as const;
      for (const [operation, key] of operations) {
        rows.push({
          engine,
          operation,
          smallMs: small[key],
          largeMs: large[key],
          largeVersions: options.largeModels * perModel,
          seedSeconds,
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
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
