/**
 * Proofs and checkpoint signing on a log of 10 M entries (BENCH_AUDIT_PROOF_ENTRIES), written
 * synthetically straight into the tables (bench/audit-synthetic.ts). Each figure is the median of
 * many calls after a warm-up, so one slow call on a loaded machine does not decide it.
 * `BENCH_AUDIT_PROOF_KEEP=<dir>` writes the synthetic log once into that directory and measures
 * later runs on it in place instead of writing it again.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  consistencyProofBetween,
  inclusionProofFor,
  type Store,
  signAuditCheckpoint,
} from '../src/app/index.js';
import { loadAuditSigner } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import { createStore } from '../src/store/index.js';
import { type AuditRow, timeWithCpu } from './audit-live.js';
import { benchAuditInput, writeSyntheticLog } from './audit-synthetic.js';
import { depsFor, timeIt } from './bench-deps.js';

async function append(store: Store, from: number, count: number): Promise<void> {
  await store.transaction(async (tx) => {
    for (let i = from; i < from + count; i++) {
      await tx.audit.append(benchAuditInput(i));
    }
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

export async function auditProofsAtScale(dir: string, count: number): Promise<AuditRow[]> {
  const engine = 'SQLite (synthetic log: rows written straight into the tables)';
  const n = count.toLocaleString('en-US');
  const kept = process.env.BENCH_AUDIT_PROOF_KEEP;
  const source = kept === undefined || kept === '' ? dir : kept;
  let fill: AuditRow[] = [];
  if (!holdsSyntheticLog(source, count)) {
    rmSync(source, { recursive: true, force: true });
    mkdirSync(source, { recursive: true });
    const log = loadAuditSigner(loadConfig({ env: {}, flags: { dataDir: source } }));
    const fillSeconds = await timeIt(() => writeSyntheticLog(join(source, 'audit.db'), count, log));
    fill = [
      {
        engine,
        measure: `write ${n} entries, their tree nodes and a signed checkpoint (set-up, not a target)`,
        count,
        seconds: fillSeconds,
        perSecond: count / fillSeconds,
      },
    ];
  }
  return [...fill, ...(await measureProofs(source))];
}

/**
 * Whether `dir` holds a synthetic log of at least `count` entries with a checkpoint signed at
 * `count`. `BENCH_AUDIT_PROOF_KEEP` names such a directory: written once (10 M entries take
 * minutes), then measured in place by each later run, which appends its 7,000 entries to it.
 */
function holdsSyntheticLog(dir: string, count: number): boolean {
  const file = join(dir, 'audit.db');
  if (!existsSync(file) || !existsSync(join(dir, 'audit-signing-key.pem'))) return false;
  const db = new Database(file, { readonly: true });
  try {
    const head = db.prepare('select size from audit_head where id = 1').get() as
      | { size: number }
      | undefined;
    const signed = db
      .prepare('select count(*) as n from audit_checkpoints where size = ?')
      .get(count) as { n: number };
    return head !== undefined && head.size >= count && signed.n === 1;
  } catch {
    return false;
  } finally {
    db.close();
  }
}

/**
 * Proof and signing figures on the log in `dir`, at its size now (the synthetic count, or a few
 * thousand more on a kept log); appends 15,015 entries through the repository.
 */
/** Signing rounds (1,000 entries appended before each); each is timed with its floor. */
const rounds = 15;
/** Proofs of each kind timed, after warm-up calls (the JIT, the page cache) not counted. */
const proofs = 200;
const warmUp = 100;

/**
 * The median wall seconds of one call of `call(k)` and the mean CPU seconds of one (CPU time is
 * taken over the batch: process.cpuUsage costs tens of microseconds itself).
 */
async function proofCalls(
  call: (k: number) => Promise<unknown>,
): Promise<{ wall: number; cpu: number }> {
  const walls: number[] = [];
  const batch = await timeWithCpu(async () => {
    for (let k = warmUp; k < proofs + warmUp; k++)
      walls.push(await timeIt(() => call(k).then(() => undefined)));
  });
  return { wall: median(walls), cpu: batch.cpu / proofs };
}

async function measureProofs(dir: string): Promise<AuditRow[]> {
  const engine = 'SQLite (synthetic log: rows written straight into the tables)';
  const file = join(dir, 'audit.db');
  const log = loadAuditSigner(loadConfig({ env: {}, flags: { dataDir: dir } }));
  const store = await createStore({ engine: 'sqlite', file, synchronous: 'FULL' });
  try {
    const deps = depsFor(store, dir);
    // Proofs are asked against the latest checkpoint: sign one at the size now, if the log grew.
    await signAuditCheckpoint(deps, log);
    const count = await store.read((tx) => tx.audit.size());
    const n = count.toLocaleString('en-US');
    const seqAt = (k: number) => Math.floor(((k * 7919) % 1000) * (count / 1000)) + (k % 997);
    const size1At = (k: number) =>
      Math.max(1, Math.floor(((k * 104_729) % 1000) * (count / 1000)) + k);
    const prove = (k: number) => inclusionProofFor(deps, { seq: seqAt(k), log });
    const proveConsistency = (k: number) =>
      consistencyProofBetween(deps, { size1: size1At(k), log });
    // Both kinds warm up before either is timed: they share the node reads and the hashing.
    for (let k = 0; k < warmUp; k++) await Promise.all([prove(k), proveConsistency(k)]);
    const inclusion = await proofCalls(prove);
    const consistency = await proofCalls(proveConsistency);
    const more = 1_000;
    const signs: number[] = [];
    const signCpu: number[] = [];
    const floors: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await append(store, count + round * more, more); // seq comes from the head, not from here
      const signed = await timeWithCpu(async () => {
        await signAuditCheckpoint(deps, log);
      });
      signs.push(signed.seconds);
      signCpu.push(signed.cpu);
      // The floor, right after: a write transaction appending one entry and committing (fsync).
      floors.push(await timeIt(() => append(store, 0, 1)));
    }
    const row = (measure: string, seconds: number, cpu?: number, target?: string): AuditRow => ({
      engine,
      measure,
      count: 1,
      seconds,
      perSecond: 1 / seconds,
      ...(cpu === undefined ? {} : { cpuSeconds: cpu }),
      ...(target ? { target } : {}),
    });
    return [
      row(
        `inclusion proof at ${n} entries (stored tree nodes, median of ${proofs}; CPU: mean)`,
        inclusion.wall,
        inclusion.cpu,
        '≤ 1 ms at 10 M',
      ),
      row(
        `consistency proof to ${n} entries (stored tree nodes, median of ${proofs}; CPU: mean)`,
        consistency.wall,
        consistency.cpu,
        '≤ 1 ms at 10 M',
      ),
      row(
        `next checkpoint at ${n} entries after ${more.toLocaleString('en-US')} more (median of ${signs.length})`,
        median(signs),
        median(signCpu),
        '≤ 20 ms at 10 M',
      ),
      row(
        `floor for the checkpoint, in the same rounds: a transaction appending one entry and committing with fsync (median of ${floors.length})`,
        median(floors),
      ),
    ];
  } finally {
    await store.close();
  }
}

if (process.argv[1]?.endsWith('audit-10m.ts')) {
  const count = Number(process.env.BENCH_AUDIT_PROOF_ENTRIES ?? 10_000_000);
  const dir = process.env.BENCH_DIR ?? '/tmp/clearance-audit-10m';
  rmSync(dir, { recursive: true, force: true });
  const rows = await auditProofsAtScale(dir, count);
  const ms = (seconds: number | undefined) =>
    seconds === undefined ? '' : `${(seconds * 1000).toFixed(3)} ms`;
  for (const r of rows) console.log(`${r.measure}\t${ms(r.seconds)}\tCPU ${ms(r.cpuSeconds)}`);
}
