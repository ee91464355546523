/**
 * Proofs and checkpoint signing on a log of 10 M entries (BENCH_AUDIT_PROOF_ENTRIES), written
 * synthetically straight into the tables (bench/audit-synthetic.ts). Each figure is the median of
 * many calls after a warm-up, so one slow call on a loaded machine does not decide it.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  consistencyProofBetween,
  inclusionProofFor,
  type Store,
  signAuditCheckpoint,
} from '../src/app/index.js';
import { loadAuditSigner } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import { createStore } from '../src/store/index.js';
import type { AuditRow } from './audit-live.js';
import { writeSyntheticLog } from './audit-synthetic.js';
import { depsFor, timeIt } from './bench-deps.js';

async function append(store: Store, from: number, count: number): Promise<void> {
  await store.transaction(async (tx) => {
    for (let i = from; i < from + count; i++) {
      await tx.audit.append({
        time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
        actor: { id: `user-${i % 50}`, kind: 'user' },
        action: 'approval.recorded',
        subject: { type: 'request', id: `req-${Math.floor(i / 5)}` },
        reason: 'benchmark entry',
        digests: {},
        data: { role: 'risk_officer', n: i },
      });
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
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'audit.db');
  const log = loadAuditSigner(loadConfig({ env: {}, flags: { dataDir: dir } }));
  const fillSeconds = await timeIt(() => writeSyntheticLog(file, count, log));
  return [
    {
      engine,
      measure: `write ${n} entries, their tree nodes and a signed checkpoint (set-up, not a target)`,
      count,
      seconds: fillSeconds,
      perSecond: count / fillSeconds,
    },
    ...(await measureProofs(dir, count)),
  ];
}

/**
 * Proof and signing figures on the log of `count` (or a few thousand more) entries in `dir`;
 * appends 7,000 entries through the repository.
 */
async function measureProofs(dir: string, count: number): Promise<AuditRow[]> {
  const engine = 'SQLite (synthetic log: rows written straight into the tables)';
  const n = count.toLocaleString('en-US');
  const file = join(dir, 'audit.db');
  const log = loadAuditSigner(loadConfig({ env: {}, flags: { dataDir: dir } }));
  const store = await createStore({ engine: 'sqlite', file, synchronous: 'FULL' });
  try {
    const deps = depsFor(store, dir);
    const inclusion: number[] = [];
    const consistency: number[] = [];
    for (let k = 0; k < 220; k++) {
      const seq = Math.floor(((k * 7919) % 1000) * (count / 1000)) + (k % 997);
      const proof = await timeIt(async () => {
        await inclusionProofFor(deps, { seq, log });
      });
      const size1 = Math.max(1, Math.floor(((k * 104_729) % 1000) * (count / 1000)) + k);
      const cons = await timeIt(async () => {
        await consistencyProofBetween(deps, { size1, log });
      });
      // The first 20 calls warm the JIT and the page cache; they are not counted.
      if (k >= 20) {
        inclusion.push(proof);
        consistency.push(cons);
      }
    }
    const more = 1_000;
    const signs: number[] = [];
    for (let round = 0; round < 7; round++) {
      await append(store, count + round * more, more); // seq comes from the head, not from here
      signs.push(
        await timeIt(async () => {
          await signAuditCheckpoint(deps, log);
        }),
      );
    }
    const row = (measure: string, seconds: number, times = 1, target?: string): AuditRow => ({
      engine,
      measure,
      count: times,
      seconds,
      perSecond: times / seconds,
      ...(target ? { target } : {}),
    });
    return [
      row(
        `inclusion proof at ${n} entries (stored tree nodes, median of ${inclusion.length})`,
        median(inclusion),
        1,
        '≤ 1 ms at 10 M',
      ),
      row(
        `consistency proof to ${n} entries (stored tree nodes, median of ${consistency.length})`,
        median(consistency),
        1,
        '≤ 1 ms at 10 M',
      ),
      row(
        `next checkpoint at ${n} entries after ${more.toLocaleString('en-US')} more (median of ${signs.length})`,
        median(signs),
        1,
        '≤ 20 ms at 10 M',
      ),
    ];
  } finally {
    await store.close();
  }
}

if (process.argv[1]?.endsWith('audit-10m.ts')) {
  const count = Number(process.env.BENCH_AUDIT_PROOF_ENTRIES ?? 10_000_000);
  const rows = await auditProofsAtScale(process.env.BENCH_DIR ?? '/tmp/clearance-audit-10m', count);
  for (const r of rows) console.log(`${r.measure}\t${(r.seconds * 1000).toFixed(3)} ms`);
}
