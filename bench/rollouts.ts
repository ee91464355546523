/**
 * Rollout benchmarks on SQLite (and PostgreSQL when BENCH_PG_URL is set): KPI ingestion in points
 * per second (batches of 400 points through the use case, each evaluating its rollout), one
 * evaluation sweep over 1 000 running rollouts (ms per sweep), and the time from posting a
 * breaching batch to the serving read no longer showing the canary (p50 / p99).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AppDeps,
  evaluateRollouts,
  getServing,
  ingestObservations,
  type ObservationInput,
  registerPolicy,
  type Store,
} from '../src/app/index.js';
import type { Principal, RolloutSpec } from '../src/domain/index.js';
import { parsePolicy } from '../src/policy/index.js';
import { startRollout } from '../src/rollout/index.js';
import { createStore } from '../src/store/index.js';
import { depsFor, timeIt } from './bench-deps.js';
import { withPostgresDatabase } from './registry.js';

export interface RolloutRow {
  engine: string;
  measure: string;
  value: number;
  unit: string;
}

const admin: Principal = { id: 'bench.admin', kind: 'user', roles: [{ role: 'admin' }] };
const policyText = readFileSync(
  join(import.meta.dirname, '..', '..', 'examples', 'recommender', 'policy.yaml'),
  'utf8',
);

/** A clock the bench moves by hand, so 48 h of windows pass in milliseconds. */
function manualClock(start: number) {
  let now = start;
  return { now: () => new Date(now), set: (ms: number) => (now = ms) };
}

/** `count` models, each with a running recommender canary started at `at`, written directly. */
async function seedRollouts(deps: AppDeps, count: number, at: number): Promise<string[]> {
  const policy = await registerPolicy(deps, admin, { text: policyText, file: 'recommender.yaml' });
  const parsed = parsePolicy(policyText, 'recommender.yaml');
  if (!parsed.ok) throw new Error('recommender policy does not parse');
  const spec = parsed.policy.transitions.find((t) => t.to === 'production')?.rollout as RolloutSpec;
  const iso = new Date(at).toISOString();
  const ids: string[] = [];
  await deps.store.transaction(async (tx) => {
    for (let i = 0; i < count; i++) {
      const model = `bench-${i}`;
      await tx.models.insert({
        name: model,
        ownerTeam: 'bench',
        riskTier: 'medium',
        policyDigest: policy.digest,
        createdAt: iso,
        createdBy: admin.id,
      });
      for (const [version, state] of [
        ['b1', 'production'],
        ['c1', 'staging'],
      ] as const) {
        await tx.versions.insert(
          {
            model,
            version,
            artifactUri: `s3://bench/${model}/${version}`,
            artifactDigest: `sha256:${'0'.repeat(64)}`,
            lineage: {},
            createdAt: iso,
            createdBy: admin.id,
          },
          { model, version, state, since: iso },
        );
      }
      const request = {
        id: `req-${i}`,
        model,
        version: 'c1',
        from: 'staging',
        to: 'production',
        changeType: 'standard' as const,
        reason: 'bench',
        requestedBy: admin.id,
        requestedAt: iso,
        status: 'executed' as const,
        policyDigest: policy.digest,
        evidenceDigest: 'sha256:bench',
      };
      await tx.requests.insert(request);
      await tx.serving.set({
        model,
        production: { version: 'b1', since: iso },
        canary: { version: 'c1', traffic: 10, since: iso },
      });
      const id = `ro-${i}`;
      await tx.rollouts.insert({
        id,
        model,
        version: 'c1',
        controlVersion: 'b1',
        requestId: request.id,
        from: 'staging',
        policyDigest: policy.digest,
        spec,
        state: startRollout(spec, at).state,
        baselines: {},
        startedAt: iso,
        startedBy: admin.id,
        updatedAt: iso,
      });
      ids.push(id);
    }
  });
  return ids;
}

/** 5 minutes of both arms of CTR and errors, `slices` one-minute points per series and arm. */
function batch(from: number, slices: number, errorRate: number): ObservationInput[] {
  const points: ObservationInput[] = [];
  for (let k = 0; k < slices; k++) {
    const at = new Date(from + k * 1000).toISOString();
    points.push(
      { series: 'ctr', arm: 'candidate', at, successes: 35_000, trials: 700_000 },
      { series: 'ctr', arm: 'control', at, successes: 35_000, trials: 700_000 },
      {
        series: 'error_rate',
        arm: 'candidate',
        at,
        successes: Math.round(20_000 * errorRate),
        trials: 20_000,
      },
      { series: 'error_rate', arm: 'control', at, successes: 20, trials: 20_000 },
    );
  }
  return points;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;

async function benchEngine(
  engine: string,
  open: () => Promise<Store>,
  dir: string,
): Promise<RolloutRow[]> {
  const store = await open();
  const t0 = Date.UTC(2026, 11, 1);
  const clock = manualClock(t0);
  const deps: AppDeps = { ...depsFor(store, dir), clock };
  try {
    const rows: RolloutRow[] = [];
    const ids = await seedRollouts(deps, 1000, t0);
    // A sweep over 1 000 running rollouts, each with its first 5-minute window due (no data:
    // an Error window, audited, and the state stored).
    clock.set(t0 + 10 * 60_000 + 1);
    const cpuBefore = process.cpuUsage();
    const sweep = await timeIt(async () => {
      await evaluateRollouts(deps);
    });
    const cpu = process.cpuUsage(cpuBefore);
    rows.push({
      engine,
      measure: 'evaluation sweep, 1 000 running rollouts',
      value: sweep * 1000,
      unit: 'ms/sweep',
    });
    // On a shared machine the wall time follows the load; this process's CPU time much less.
    rows.push({
      engine,
      measure: 'evaluation sweep, CPU time of the bench process',
      value: (cpu.user + cpu.system) / 1000,
      unit: 'ms/sweep',
    });
    // Ingestion: 24 batches of 400 points into one rollout, 5 minutes apart.
    const ingestId = ids[0] as string;
    let points = 0;
    const seconds = await timeIt(async () => {
      for (let b = 0; b < 24; b++) {
        const from = t0 + b * 5 * 60_000;
        clock.set(from + 5 * 60_000);
        const body = batch(from, 100, 0.001);
        await ingestObservations(deps, admin, {
          rolloutId: ingestId,
          batchId: `i-${b}`,
          points: body,
        });
        points += body.length;
      }
    });
    rows.push({
      engine,
      measure: 'ingestion (400-point batches, evaluated)',
      value: points / seconds,
      unit: 'points/s',
    });
    // Breaching batch → serving without the canary: a rollout whose error windows already
    // breached twice; the batch completing the third window (posted after its end) rolls it back.
    const latencies: number[] = [];
    for (const id of ids.slice(100, 160)) {
      const model = `bench-${id.slice(3)}`;
      const start = t0 + 10 * 60_000;
      for (let w = 0; w < 3; w++) {
        clock.set(start + (w + 1) * 5 * 60_000 + (w === 2 ? 5 * 60_000 : 0));
        const began = process.hrtime.bigint();
        await ingestObservations(deps, admin, {
          rolloutId: id,
          batchId: `x-${w}`,
          points: batch(start + w * 5 * 60_000, 5, 0.02),
        });
        if (w < 2) continue;
        const serving = await getServing(deps, admin, { model });
        if (serving.canary !== undefined) throw new Error(`${id} still serves its canary`);
        latencies.push(Number(process.hrtime.bigint() - began) / 1e6);
      }
    }
    latencies.sort((a, b) => a - b);
    rows.push({
      engine,
      measure: 'breaching batch → serving changed, p50',
      value: percentile(latencies, 0.5),
      unit: 'ms',
    });
    rows.push({
      engine,
      measure: 'breaching batch → serving changed, p99',
      value: percentile(latencies, 0.99),
      unit: 'ms',
    });
    return rows;
  } finally {
    await store.close();
  }
}

export async function runRolloutBench(): Promise<RolloutRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-rollout-bench-'));
  try {
    const sqlite = () =>
      createStore({ engine: 'sqlite', file: join(dir, 'rollouts.db'), synchronous: 'FULL' });
    const rows = await benchEngine('SQLite (WAL, synchronous=FULL)', sqlite, dir);
    // A database of its own (created and dropped), never the one BENCH_PG_URL names.
    const base = process.env.BENCH_PG_URL;
    const pg = base
      ? await withPostgresDatabase(base, (url) =>
          benchEngine('PostgreSQL 15', () => createStore({ engine: 'postgres', url }), dir),
        )
      : undefined;
    if (pg) rows.push(...pg);
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function rolloutTable(rows: RolloutRow[]): string {
  const lines = rows.map(
    (r) => `| ${r.engine} | ${r.measure} | ${r.value.toFixed(r.value < 100 ? 1 : 0)} ${r.unit} |`,
  );
  return ['| engine | measure | result |', '| --- | --- | --- |', ...lines].join('\n');
}
