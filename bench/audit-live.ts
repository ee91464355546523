/**
 * The audit log at scale on a live SQLite database: entries appended through the repository (so
 * each stores its Merkle tree nodes, as in production), then what an operator and an auditor do
 * with it — sign checkpoints, verify the whole log, prove an entry.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  consistencyProofBetween,
  inclusionProofFor,
  type Store,
  signAuditCheckpoint,
  verifyStoredLog,
} from '../src/app/index.js';
import { encodeEntry } from '../src/audit/index.js';
import { loadAuditSigner } from '../src/compose.js';
import { loadConfig } from '../src/config.js';
import { createStore } from '../src/store/index.js';
import { depsFor, timeIt } from './bench-deps.js';
import type { RegistryRow } from './registry.js';

const batch = 10_000;

async function fill(store: Store, from: number, count: number): Promise<void> {
  for (let start = from; start < from + count; start += batch) {
    const end = Math.min(from + count, start + batch);
    await store.transaction(async (tx) => {
      for (let i = start; i < end; i++) {
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
    if ((end / batch) % 20 === 0)
      process.stderr.write(`  ${end.toLocaleString('en-US')} entries\n`);
  }
}

/**
 * The floor `audit verify` is compared with: SHA-256 of the same entries' leaf inputs
 * (0x00 ‖ canonical entry) on this machine, timed over the hashing alone (reading and encoding
 * the entries is not counted), in the same run.
 */
async function rawLeafHashSeconds(store: Store, count: number): Promise<number> {
  let seconds = 0;
  const prefix = Buffer.from([0]);
  for (let start = 0; start < count; start += batch) {
    const inputs: Uint8Array[] = [];
    await store.read(async (tx) => {
      for await (const logged of tx.audit.entries(start, Math.min(count, start + batch))) {
        inputs.push(encodeEntry(logged.entry));
      }
    });
    seconds += await timeIt(async () => {
      for (const input of inputs) createHash('sha256').update(prefix).update(input).digest();
    });
  }
  return seconds;
}

export async function liveAuditAtScale(dir: string, count: number): Promise<RegistryRow[]> {
  const engine = 'SQLite (live database)';
  const n = count.toLocaleString('en-US');
  mkdirSync(dir, { recursive: true });
  const store = await createStore({
    engine: 'sqlite',
    file: join(dir, 'audit.db'),
    synchronous: 'FULL',
  });
  try {
    const deps = depsFor(store, dir);
    const log = loadAuditSigner(loadConfig({ env: {}, flags: { dataDir: dir } }));
    const fillSeconds = await timeIt(() => fill(store, 0, count));
    const firstSign = await timeIt(async () => {
      await signAuditCheckpoint(deps, log);
    });
    const more = 1_000;
    await fill(store, count, more);
    const nextSign = await timeIt(async () => {
      await signAuditCheckpoint(deps, log);
    });
    let verified = false;
    const verifySeconds = await timeIt(async () => {
      verified = (await verifyStoredLog(deps, { log })).result.ok;
    });
    if (!verified) throw new Error('the live benchmark log did not verify');
    const rawSeconds = await rawLeafHashSeconds(store, count + more);
    const seq = Math.floor(count / 2);
    const proveSeconds = await timeIt(async () => {
      await inclusionProofFor(deps, { seq, log });
    });
    const consistencySeconds = await timeIt(async () => {
      await consistencyProofBetween(deps, { size1: count, log });
    });
    const one = (measure: string, seconds: number): RegistryRow => ({
      engine,
      measure,
      count: 1,
      seconds,
      perSecond: 1 / seconds,
    });
    return [
      {
        engine,
        measure: `append through the repository, ${batch.toLocaleString('en-US')} per transaction (entry + tree nodes)`,
        count,
        seconds: fillSeconds,
        perSecond: count / fillSeconds,
      },
      one(`first checkpoint at ${n} entries (re-hashes every entry)`, firstSign),
      one(`next checkpoint after ${more.toLocaleString('en-US')} more entries`, nextSign),
      {
        engine,
        measure: `audit verify of the live database (${(count + more).toLocaleString('en-US')} entries, checkpoints, root)`,
        count: count + more,
        seconds: verifySeconds,
        perSecond: (count + more) / verifySeconds,
      },
      {
        engine: 'this machine',
        measure: `raw SHA-256 of the same ${(count + more).toLocaleString('en-US')} leaf inputs (hashing only; the floor verify is compared with)`,
        count: count + more,
        seconds: rawSeconds,
        perSecond: (count + more) / rawSeconds,
      },
      one(`inclusion proof at ${n} entries (stored tree nodes)`, proveSeconds),
      one(`consistency proof ${n} → ${(count + more).toLocaleString('en-US')}`, consistencySeconds),
    ];
  } finally {
    await store.close();
  }
}
