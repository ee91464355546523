/**
 * Runs read ahead (ADR 035) and then answered before a worker took them — the pool closing while
 * their evidence is still being written to a run directory — leave no directory behind: the
 * removal waits until nothing writes into it any more.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { BlobStore } from '../../src/app/index.js';
import { GateWorkerPool } from '../../src/gate-runs/index.js';
import { harness } from '../app/harness.js';
import { replayedRunInput, stagedDecision } from './replayed-run.js';

const tmpBefore = process.env.TMPDIR;
afterEach(() => {
  if (tmpBefore === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = tmpBefore;
});

it('leaves no run directory when the pool closes while runs read ahead are being written', async () => {
  const h = harness();
  const input = await replayedRunInput(h, await stagedDecision(h));

  const privateTmp = mkdtempSync(join(tmpdir(), 'read-ahead-cleanup-'));
  process.env.TMPDIR = privateTmp;
  try {
    // A disk that takes a few ms per file: the runs read ahead are still being written at close.
    const slow = new Proxy(h.blobs, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (property !== 'writeTo' || typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        return async (...args: unknown[]) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return method.apply(target, args);
        };
      },
    }) as BlobStore;
    // Every run goes to a directory (nothing is held in memory past 1 byte).
    const pool = new GateWorkerPool({
      blobs: slow,
      inMemoryRunBytes: 1,
      budgets: { timeBudgetSeconds: 60, memoryBudgetMb: 256, workers: 1 },
    });
    const runs = [1, 2, 3].map((i) =>
      pool.run({ ...input, bypass: [`no-such-gate-${i}`], priority: 'governed' }),
    );
    await new Promise((resolve) => setTimeout(resolve, 12));
    await pool.close();
    const outcomes = await Promise.allSettled(runs);
    expect(outcomes.map((o) => o.status)).toStrictEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    // The removals run in the background once each write has ended.
    for (let wait = 0; wait < 50 && readdirSync(privateTmp).length > 0; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(readdirSync(privateTmp, { recursive: true })).toStrictEqual([]);
  } finally {
    rmSync(privateTmp, { recursive: true, force: true });
  }
}, 120_000);
