/**
 * Registry benchmarks: the full governed path (register version → attach evidence → request →
 * two sign-offs → execute) per second, audit appends per second, each next to the raw durable
 * commit rate of the same engine; and the audit verifier and inclusion proofs at 1 M entries.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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
} from '../src/app/index.js';
import {
  type AuditEntry,
  entryLeafHash,
  generateSigningKey,
  inclusionProof,
  MerkleAccumulator,
  signCheckpoint,
  verifyInclusion,
  verifyLog,
} from '../src/audit/index.js';
import { classifyEvidenceFile, type EvidenceRecord, type Principal } from '../src/domain/index.js';
import { FileBlobStore } from '../src/evidence/file-blob-store.js';
import { GateWorkerPool, InProcessGateRunner } from '../src/gate-runs/index.js';
import { parsePolicy } from '../src/policy/index.js';
import { createStore } from '../src/store/index.js';
import { depsFor, timeIt } from './bench-deps.js';

export interface RegistryRow {
  engine: string;
  measure: string;
  count: number;
  seconds: number;
  perSecond: number;
  /** The same engine's raw durable commits per second, for the ratio. */
  rawCommitsPerSecond?: number;
}

export const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: bench, riskTier: medium }
roles: [model_owner, tech_lead, risk_officer, mlops, admin]
transitions:
  - from: draft
    to: staging
    requestedBy: [mlops]
    documents: [model_card]
    gates:
      - { id: repro, type: reproducibility }
      - { id: latency, type: metric, metric: latency_p95_ms, max: 120 }
    approvals:
      - { role: tech_lead }
      - { role: risk_officer }
`;

const person = (id: string, role: string): Principal => ({ id, kind: 'user', roles: [{ role }] });
export const admin = person('bench.admin', 'admin');
export const ci = person('bench.ci', 'mlops');
export const tech = person('bench.tech', 'tech_lead');
export const risk = person('bench.risk', 'risk_officer');

export const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const encoder = new TextEncoder();

export function evidence(i: number) {
  const lineage = {
    codeCommit: createHash('sha1').update(`c${i}`).digest('hex'),
    dataSnapshotId: `snap-${i}`,
    configDigest: sha(`cfg${i}`),
    seed: i,
  };
  return {
    lineage,
    files: [
      { path: 'lineage.json', bytes: encoder.encode(JSON.stringify(lineage)) },
      {
        path: 'metrics.json',
        bytes: encoder.encode(JSON.stringify({ latency_p95_ms: 80 + (i % 30) })),
      },
      {
        path: 'model_card.md',
        bytes: encoder.encode(`# Bench model v${i}\n\n## Intended use\n\nBenchmarking.\n`),
      },
    ],
  };
}

async function fullPath(deps: AppDeps, count: number): Promise<number> {
  const model = 'bench';
  const text = policy;
  const registered = await registerPolicy(deps, admin, { text });
  await registerModel(deps, admin, {
    name: model,
    ownerTeam: 'bench',
    riskTier: 'medium',
    policyDigest: registered.digest,
  });
  return timeIt(async () => {
    for (let i = 0; i < count; i++) {
      const version = `v${i}`;
      const { lineage, files } = evidence(i);
      await registerVersion(deps, ci, {
        model,
        version,
        artifactUri: `s3://b/${version}`,
        artifactDigest: sha(version),
        lineage,
      });
      await attachEvidence(deps, ci, { model, version, files });
      const { request } = await requestTransition(deps, ci, {
        model,
        version,
        to: 'staging',
        reason: 'bench',
      });
      for (const [who, role] of [
        [tech, 'tech_lead'],
        [risk, 'risk_officer'],
      ] as const) {
        await recordApproval(deps, who, {
          requestId: request.id,
          role,
          decision: 'approve',
          comment: 'ok',
          riskClass: 'low',
        });
      }
      await executeTransition(deps, ci, { requestId: request.id });
    }
  });
}

/**
 * The cost of the worker hop alone: the same small gate run (the full path's evidence and
 * gates) through the worker pool and on the event loop, in alternating rounds so that load on
 * the machine weighs on both alike.
 */
async function gateRunHop(dir: string, runs: number): Promise<RegistryRow[]> {
  const blobs = new FileBlobStore(join(dir, 'hop-blobs'));
  const parsed = parsePolicy(policy, 'bench policy');
  if (!parsed.ok) throw new Error('the bench policy does not parse');
  const records: EvidenceRecord[] = [];
  for (const file of evidence(1).files) {
    const { digest, size } = await blobs.put(file.bytes);
    const kind = classifyEvidenceFile(file.path).kind;
    const at = new Date().toISOString();
    const common = { model: 'hop', version: '1', mediaType: 'text/plain', attachedBy: 'bench' };
    records.push({ ...common, path: file.path, kind, digest, size, attachedAt: at });
  }
  const input = {
    gates: parsed.policy.transitions[0]?.gates ?? [],
    candidate: records,
    bypass: [],
  };
  const budgets = { timeBudgetSeconds: 30, memoryBudgetMb: 1024, workers: 1 };
  const pool = new GateWorkerPool({ blobs, budgets });
  const local = new InProcessGateRunner(blobs);
  const seconds = { pool: 0, local: 0 };
  try {
    await pool.run(input); // starts the worker: the hop is measured warm
    const rounds = 10;
    for (let round = 0; round < rounds; round++) {
      for (const [name, runner] of [
        ['pool', pool],
        ['local', local],
      ] as const) {
        seconds[name] += await timeIt(async () => {
          for (let i = 0; i < runs / rounds; i++) await runner.run(input);
        });
      }
    }
  } finally {
    await pool.close();
  }
  const row = (measure: string, s: number): RegistryRow => ({
    engine: 'offline',
    measure,
    count: runs,
    seconds: s,
    perSecond: runs / s,
  });
  return [
    row('one gate run (3 evidence files, 3 gates) in a worker thread', seconds.pool),
    row('the same gate run on the event loop (no budget)', seconds.local),
  ];
}

async function auditAppends(store: Store, count: number): Promise<number> {
  return timeIt(async () => {
    for (let i = 0; i < count; i++) {
      await store.transaction((tx) =>
        tx.audit.append({
          time: new Date().toISOString(),
          actor: { id: 'bench', kind: 'system' },
          action: 'bench.appended',
          subject: { type: 'bench', id: String(i) },
          digests: {},
          data: { i },
        }),
      );
    }
  });
}

export function rawSqliteCommits(dir: string, count: number): number {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) db.transaction(() => insert.run(`row ${i}`))();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  db.close();
  return count / seconds;
}

export async function rawPostgresCommits(url: string, count: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('CREATE TABLE raw_commits (id bigserial PRIMARY KEY, v text)');
  const seconds = await timeIt(async () => {
    for (let i = 0; i < count; i++)
      await client.query('INSERT INTO raw_commits (v) VALUES ($1)', [`row ${i}`]);
  });
  await client.end();
  return count / seconds;
}

async function engineRows(
  engine: string,
  store: Store,
  dir: string,
  raw: number,
  sizes: { path: number; appends: number },
): Promise<RegistryRow[]> {
  const deps = depsFor(store, dir);
  const pathSeconds = await fullPath(deps, sizes.path).finally(() => deps.gateRunner.close());

  const appendSeconds = await auditAppends(store, sizes.appends);
  return [
    {
      engine,
      measure: 'full path: register → evidence → request → 2 approvals → execute',
      count: sizes.path,
      seconds: pathSeconds,
      perSecond: sizes.path / pathSeconds,
      rawCommitsPerSecond: raw,
    },
    {
      engine,
      measure: 'audit append (one transaction each)',
      count: sizes.appends,
      seconds: appendSeconds,
      perSecond: sizes.appends / appendSeconds,
      rawCommitsPerSecond: raw,
    },
  ];
}

export async function withPostgresDatabase<T>(
  base: string,
  work: (url: string) => Promise<T>,
): Promise<T | undefined> {
  const admin = new pg.Client({ connectionString: base });
  try {
    await admin.connect();
  } catch {
    process.stderr.write(`  (PostgreSQL at ${base} does not answer; skipping it)\n`);
    return undefined;
  }
  const name = `clearance_bench_${process.pid}`;
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  try {
    return await work(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

function syntheticEntry(seq: number): AuditEntry {
  return {
    seq,
    time: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
    actor: { id: `user-${seq % 50}`, kind: 'user' },
    action: 'approval.recorded',
    subject: { type: 'request', id: `req-${Math.floor(seq / 5)}` },
    reason: 'benchmark entry',
    digests: { evidence: sha(String(seq % 1000)) },
    data: { role: 'risk_officer', n: seq },
  };
}

/** Verify and prove at 1 M entries with the offline verifier (pure; no database). */
async function auditAtScale(count: number): Promise<RegistryRow[]> {
  const key = generateSigningKey('clearance/bench');
  const leafHashes: Uint8Array[] = new Array(count);
  const accumulator = new MerkleAccumulator();
  for (let i = 0; i < count; i++) {
    const hash = entryLeafHash(syntheticEntry(i));
    leafHashes[i] = hash;
    accumulator.append(hash);
  }
  const checkpoint = signCheckpoint(
    { origin: 'clearance/bench', size: count, rootHash: accumulator.root() },
    key,
  );
  function* entries() {
    for (let i = 0; i < count; i++)
      yield { entry: syntheticEntry(i), leafHash: leafHashes[i] as Uint8Array };
  }
  let ok = false;
  const verifySeconds = await timeIt(async () => {
    const result = await verifyLog({
      entries: entries(),
      checkpoints: [checkpoint],
      verifierKeys: [key.verifierKey],
    });
    ok = result.ok;
  });
  if (!ok) throw new Error('the benchmark log did not verify');
  const index = Math.floor(count / 2);
  let proof: Uint8Array[] = [];
  const proveSeconds = await timeIt(async () => {
    proof = inclusionProof(leafHashes, index, count);
  });
  const leafHash = leafHashes[index] as Uint8Array;
  if (
    !verifyInclusion({
      leafIndex: index,
      treeSize: count,
      leafHash,
      proof,
      root: accumulator.root(),
    })
  ) {
    throw new Error('the benchmark inclusion proof did not verify');
  }
  return [
    {
      engine: 'offline',
      measure: `audit verify (signature, leaf hashes, root) of ${count.toLocaleString('en-US')} entries`,
      count,
      seconds: verifySeconds,
      perSecond: count / verifySeconds,
    },
    {
      engine: 'offline',
      measure: `inclusion proof at ${count.toLocaleString('en-US')} entries (from leaf hashes)`,
      count: 1,
      seconds: proveSeconds,
      perSecond: 1 / proveSeconds,
    },
  ];
}

export async function runRegistryBench(options: {
  pgUrl: string;
  path: number;
  appends: number;
  auditEntries: number;
}): Promise<RegistryRow[]> {
  const rows: RegistryRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'clearance-bench-registry-'));
  try {
    process.stderr.write('registry on SQLite…\n');
    const raw = rawSqliteCommits(dir, 2000);
    const sqlite = await createStore({
      engine: 'sqlite',
      file: join(dir, 'registry.db'),
      synchronous: 'FULL',
    });
    rows.push(
      ...(await engineRows(
        'SQLite (WAL, synchronous=FULL)',
        sqlite,
        join(dir, 'sqlite'),
        raw,
        options,
      )),
    );
    await sqlite.close();
    process.stderr.write('registry on PostgreSQL…\n');
    const pgRows = await withPostgresDatabase(options.pgUrl, async (url) => {
      const rawPg = await rawPostgresCommits(url, 1000);
      const store = await createStore({ engine: 'postgres', url });
      try {
        return await engineRows(
          'PostgreSQL 15 (one client)',
          store,
          join(dir, 'pg'),
          rawPg,
          options,
        );
      } finally {
        await store.close();
      }
    });
    if (pgRows) rows.push(...pgRows);
    process.stderr.write('gate run: worker hop…\n');
    rows.push(...(await gateRunHop(dir, 400)));
    process.stderr.write(
      `audit verify at ${options.auditEntries.toLocaleString('en-US')} entries…\n`,
    );
    rows.push(...(await auditAtScale(options.auditEntries)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function registryTable(rows: RegistryRow[]): string {
  const lines = [
    '| engine | measure | count | seconds | per second | raw durable commits/s | ratio to raw |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const raw = r.rawCommitsPerSecond;
    lines.push(
      `| ${r.engine} | ${r.measure} | ${r.count.toLocaleString('en-US')} | ${r.seconds < 0.1 ? r.seconds.toFixed(4) : r.seconds.toFixed(2)} | ${r.perSecond.toFixed(1)} | ${raw ? raw.toFixed(0) : ''} | ${raw ? (r.perSecond / raw).toFixed(3) : ''} |`,
    );
  }
  return lines.join('\n');
}
