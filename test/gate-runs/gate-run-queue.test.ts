/**
 * The gate worker pool's queue (ADR 035): a waiting run holds no evidence, except the next run per
 * worker, read ahead while the workers run; identical runs in flight are one run, advisory runs (replay, backtest,
 * dry run) wait in a bounded queue and are refused `busy` past it, and governed runs (requests,
 * executions) go first and are never refused on account of advisory ones.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BlobStore,
  type GateRunInput,
  replayDecision,
  requestTransition,
} from '../../src/app/index.js';
import { ClearanceError, type Principal } from '../../src/domain/index.js';
import { type GateRunBudgets, GateWorkerPool } from '../../src/gate-runs/index.js';
import { addVersion, harness, people, type StoreHarness } from '../app/harness.js';
import { replayedRunInput, servedPool, stagedDecision } from './replayed-run.js';

const auditor: Principal = { id: 'rita.reader', kind: 'user', roles: [{ role: 'auditor' }] };
const pools: GateWorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

/** The real blob store, counting the blobs read out of it (into memory or to a run directory). */
function countingReads(blobs: BlobStore): { blobs: BlobStore; reads: () => number } {
  let reads = 0;
  const counted = new Proxy(blobs, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        if (property === 'get' || property === 'writeTo') reads += 1;
        return method.apply(target, args);
      };
    },
  });
  return { blobs: counted, reads: () => reads };
}

function poolOf(blobs: BlobStore, budgets: Partial<GateRunBudgets> = {}): GateWorkerPool {
  const pool = new GateWorkerPool({
    blobs,
    budgets: { timeBudgetSeconds: 60, memoryBudgetMb: 256, workers: 1, ...budgets },
  });
  pools.push(pool);
  return pool;
}

/** A staged version of the recommender example with one 7 MiB text file, and its decision. */
function bigDecision(h: StoreHarness): Promise<string> {
  return stagedDecision(h, [
    { path: 'notes/big.txt', bytes: new Uint8Array(7 * 1024 * 1024).fill(0x61) },
  ]);
}

/** The decision's run as a replay asks for it; `tag` makes runs distinct (a bypass of no gate). */
function runOf(base: GateRunInput, tag: number, priority: 'advisory' | 'governed'): GateRunInput {
  return { ...base, bypass: [`no-such-gate-${tag}`], priority };
}

/** Samples `read` every few milliseconds until `done` settles; the largest value seen. */
async function peakWhile(done: Promise<unknown>, read: () => number): Promise<number> {
  let peak = read();
  const timer = setInterval(() => {
    peak = Math.max(peak, read());
  }, 2);
  await done.catch(() => {});
  clearInterval(timer);
  return Math.max(peak, read());
}

async function capturedRun(h: StoreHarness): Promise<GateRunInput> {
  return replayedRunInput(h, await bigDecision(h));
}

describe('gate run queue', () => {
  it('holds the evidence of the run under way and the next one only, and refuses advisory runs past the bound', async () => {
    const h = harness();
    const base = await capturedRun(h);
    const files = base.candidate.length + (base.baseline?.length ?? 0);
    const { blobs, reads } = countingReads(h.blobs);
    const pool = poolOf(blobs, { advisoryQueuePerWorker: 4 });
    const n = 40;
    const settled: boolean[] = [];
    const runs = Array.from({ length: n }, (_, i) =>
      pool.run(runOf(base, i, 'advisory')).finally(() => settled.push(true)),
    );
    // Reads of runs not yet answered: with one worker, the running run's files and the next run's,
    // read ahead.
    const unanswered = () => reads() - settled.length * files;
    let peakQueued = 0;
    const all = Promise.allSettled(runs);
    const peakUnanswered = await peakWhile(all, () => {
      peakQueued = Math.max(peakQueued, pool.stats().queued);
      return unanswered();
    });
    const outcomes = await all;
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(peakQueued).toBe(4);
    expect(peakUnanswered).toBeLessThanOrEqual(2 * files);
    // The four that fit in the queue were run; the worker was not started when the rest came.
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(4);
    expect(refused).toHaveLength(n - 4);
    for (const error of refused) {
      expect(error).toBeInstanceOf(ClearanceError);
      expect((error as ClearanceError).code).toBe('busy');
      expect((error as ClearanceError).message).toContain('4 gate runs of replays');
    }
    expect(pool.stats()).toMatchObject({ queued: 0, running: 0 });
  }, 120_000);

  it('reads the next run’s evidence while the worker runs the one before', async () => {
    const h = harness();
    const base = await capturedRun(h);
    const events: string[] = [];
    let current = '';
    const watched = new Proxy(h.blobs, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => {
          if ((property === 'get' || property === 'writeTo') && !events.includes(`read ${current}`))
            events.push(`read ${current}`);
          return method.apply(target, args);
        };
      },
    });
    const pool = poolOf(watched);
    // Each run's reads are told apart by which run was submitted last before them: run 2 is
    // submitted only after run 1's evidence has begun to be read.
    current = 'run 1';
    const first = pool.run(runOf(base, 1, 'governed')).then(() => events.push('answered run 1'));
    await new Promise((resolve) => setImmediate(resolve));
    current = 'run 2';
    const second = pool.run(runOf(base, 2, 'governed')).then(() => events.push('answered run 2'));
    await Promise.all([first, second]);
    // Without reading ahead, run 2's evidence was read only once the worker was free again.
    expect(events).toStrictEqual(['read run 1', 'read run 2', 'answered run 1', 'answered run 2']);
  }, 120_000);

  it('runs N identical replays once and gives every caller the result', async () => {
    const h = harness();
    const decisionId = await bigDecision(h);
    const { blobs, reads } = countingReads(h.blobs);
    const pool = poolOf(blobs, { advisoryQueuePerWorker: 1 });
    h.deps.gateRunner = pool;
    await replayDecision(h.deps, auditor, { decisionId }); // a warm worker
    const perRun = reads();
    const before = process.memoryUsage();
    const n = 40;
    const all = Promise.all(
      Array.from({ length: n }, () => replayDecision(h.deps, auditor, { decisionId })),
    );
    const peak = await peakWhile(all, () => {
      const m = process.memoryUsage();
      return m.arrayBuffers + m.heapUsed;
    });
    const reports = await all;
    console.log(
      `${n} identical replays: ${pool.stats().ended.completed - 1} worker run(s), peak heap+arrayBuffers +${((peak - before.arrayBuffers - before.heapUsed) / 2 ** 20).toFixed(0)} MiB`,
    );
    expect(pool.stats().ended.completed).toBe(2);
    expect(reads()).toBe(2 * perRun);
    expect(reports).toHaveLength(n);
    for (const report of reports) expect(report.reproduced).toBe(true);
    // Each caller has results of its own.
    expect(reports[0]?.replayed?.gates).not.toBe(reports[1]?.replayed?.gates);
  }, 120_000);

  it('runs governed runs first and never refuses them because replays filled the queue', async () => {
    const h = harness();
    const base = await capturedRun(h);
    const pool = poolOf(h.blobs, { advisoryQueuePerWorker: 2 });
    const order: string[] = [];
    const advisory = Array.from({ length: 3 }, (_, i) =>
      pool.run(runOf(base, i, 'advisory')).then(() => order.push(`advisory ${i}`)),
    );
    await expect(advisory[2]).rejects.toMatchObject({ code: 'busy' });
    const governed = pool.run(runOf(base, 99, 'governed')).then(() => order.push('governed'));
    h.deps.gateRunner = pool;
    await addVersion(h, {
      model: 'home-feed',
      version: 'v2',
      dir: 'recommender/candidates/passing',
    });
    const requested = requestTransition(h.deps, people.owner, {
      model: 'home-feed',
      version: 'v2',
      to: 'staging',
      reason: 'Ready',
    }).then((r) => {
      order.push('request');
      return r;
    });
    await Promise.all([advisory[0], advisory[1], governed]);
    const { decision } = await requested;
    expect(decision.gates.every((g) => g.outcome !== 'error')).toBe(true);
    expect(order.indexOf('governed')).toBeLessThan(order.indexOf('advisory 1'));
  }, 120_000);

  it('takes a waiting advisory run into the governed queue when a governed caller joins it', async () => {
    const h = harness();
    const base = await capturedRun(h);
    const pool = poolOf(h.blobs);
    const order: string[] = [];
    const first = pool.run(runOf(base, 1, 'advisory')).then(() => order.push('first'));
    const second = pool.run(runOf(base, 2, 'advisory')).then(() => order.push('second'));
    const joined = pool.run(runOf(base, 2, 'governed')).then(() => order.push('joined'));
    await Promise.all([first, second, joined]);
    expect(order).toEqual(['second', 'joined', 'first']);
    expect(pool.stats().ended.completed).toBe(2);
  }, 120_000);

  it('keeps one of two workers free of advisory runs, so a governed run never waits for a replay', async () => {
    const h = harness();
    const base = await capturedRun(h);
    const pool = poolOf(h.blobs, { workers: 2 });
    // Both workers started and warm: pairs of runs until a pair ran side by side. Under load the
    // first worker can finish both runs of a pair while the second is still starting, and the
    // governed run below would then find no free worker (seen once in a loaded CI run).
    for (let pair = 0; ; pair++) {
      const both = Promise.all([
        pool.run(runOf(base, 100 + 2 * pair, 'governed')),
        pool.run(runOf(base, 101 + 2 * pair, 'governed')),
      ]);
      if ((await peakWhile(both, () => pool.stats().running)) === 2) break;
      if (pair === 50) throw new Error('The second worker never took a run.');
    }
    expect(pool.stats()).toMatchObject({ workers: 2, running: 0 });
    // Advisory runs alone: one at a time, the other worker idle.
    const advisoryOnly = Promise.all([1, 2, 3].map((i) => pool.run(runOf(base, i, 'advisory'))));
    const peakRunning = await peakWhile(advisoryOnly, () => pool.stats().running);
    expect(peakRunning).toBe(1);
    // A governed run arriving while an advisory one runs and another waits takes the free worker
    // at once (dispatch is synchronous: the counts are read before any run can end).
    const first = pool.run(runOf(base, 4, 'advisory'));
    const second = pool.run(runOf(base, 5, 'advisory'));
    expect(pool.stats()).toMatchObject({ running: 1, queued: 1 });
    const governed = pool.run(runOf(base, 6, 'governed'));
    expect(pool.stats()).toMatchObject({ running: 2, queued: 1 });
    await Promise.all([first, second, governed]);
  }, 120_000);

  it('refuses a governed caller busy when joining a waiting advisory run would overfill the governed queue', async () => {
    const h = harness();
    const base = await capturedRun(h);
    const pool = poolOf(h.blobs, { governedQueuePerWorker: 1 });
    // The worker is not started yet: every run waits.
    const advisory = pool.run(runOf(base, 1, 'advisory'));
    const governed = pool.run(runOf(base, 2, 'governed'));
    await expect(pool.run(runOf(base, 1, 'governed'))).rejects.toMatchObject({ code: 'busy' });
    expect(pool.stats().queued).toBe(2);
    await Promise.all([advisory, governed]);
    // With room, the same join is taken into the governed queue (the test above).
    expect(pool.stats().ended.completed).toBe(2);
  }, 120_000);

  it('answers a dry run 503 busy with Retry-After when the advisory queue is full', async () => {
    const h = harness();
    const base = await capturedRun(h);
    const pool = poolOf(h.blobs, { advisoryQueuePerWorker: 1 });
    const { app, dryRun } = servedPool(h, pool);
    const waiting = pool.run(runOf(base, 1, 'advisory'));
    const response = await dryRun();
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toMatchObject({ code: 'busy', status: 503 });
    expect(response.json().problems[0].fix).toContain('gateAdvisoryQueuePerWorker');
    await waiting;
    const again = await dryRun();
    expect(again.statusCode).toBe(200);
    await app.close();
  }, 120_000);
});
