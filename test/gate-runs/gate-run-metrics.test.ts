/**
 * `GET /metrics` shows the gate-run queues (ADR 035): runs waiting by priority, callers refused
 * `busy` by priority, and callers merged into an identical run in flight. The queues are filled
 * deterministically: the pool's one worker is warm and its run cannot read its evidence until the
 * test lets it, so every run after it waits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BlobStore, GateRunInput } from '../../src/app/index.js';
import { GateWorkerPool } from '../../src/gate-runs/index.js';
import { harness } from '../app/harness.js';
import { replayedRunInput, servedPool, stagedDecision } from './replayed-run.js';

const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((close) => close()));
});

/** `blobs`, whose reads wait while `hold` holds them, until `release`. */
function heldBlobs(blobs: BlobStore) {
  let held: Promise<void> | undefined;
  let release: () => void = () => undefined;
  const wrapped = new Proxy(blobs, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (property !== 'get' && property !== 'writeTo') return method.bind(target);
      return async (...args: unknown[]) => {
        await held;
        return method.apply(target, args);
      };
    },
  });
  return {
    blobs: wrapped,
    hold: () => {
      held = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    release: () => release(),
  };
}

/** The decision's run as a replay asks for it; `tag` makes runs distinct (a bypass of no gate). */
function runOf(base: GateRunInput, tag: number, priority: 'advisory' | 'governed'): GateRunInput {
  return { ...base, bypass: [`no-such-gate-${tag}`], priority };
}

/** The value of the sample `series` (name and labels, as rendered) in a scrape. */
function sample(text: string, series: string): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line?.slice(series.length + 1);
}

describe('gate run queue metrics', () => {
  it('counts runs refused busy and merged, and the runs queued, by priority', async () => {
    const h = harness();
    const base = await replayedRunInput(h, await stagedDecision(h));
    const held = heldBlobs(h.blobs);
    const pool = new GateWorkerPool({
      blobs: held.blobs,
      budgets: {
        timeBudgetSeconds: 60,
        memoryBudgetMb: 256,
        workers: 1,
        advisoryQueuePerWorker: 1,
        governedQueuePerWorker: 1,
      },
    });
    closing.push(() => pool.close());
    const { app, identity, dryRun } = servedPool(h, pool);
    closing.push(() => app.close());
    const scrape = async () => {
      const response = await app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: identity.bearer('prometheus', 'auditor') },
      });
      expect(response.statusCode).toBe(200);
      return response.body;
    };
    const idle = await scrape();
    for (const priority of ['governed', 'advisory']) {
      expect(sample(idle, `clearance_gate_runs_queued{priority="${priority}"}`)).toBe('0');
      expect(sample(idle, `clearance_gate_runs_refused_total{priority="${priority}"}`)).toBe('0');
      expect(sample(idle, `clearance_gate_runs_merged_total{priority="${priority}"}`)).toBe('0');
    }
    await pool.run(runOf(base, 0, 'governed')); // the worker started and idle
    held.hold();
    // Taken by the idle worker at once (dispatch is synchronous); it waits for its evidence.
    const underWay = pool.run(runOf(base, 1, 'governed'));
    const advisory = pool.run(runOf(base, 2, 'advisory'));
    const joined = pool.run(runOf(base, 2, 'advisory'));
    const governed = pool.run(runOf(base, 3, 'governed'));
    await expect(pool.run(runOf(base, 4, 'governed'))).rejects.toMatchObject({ code: 'busy' });
    // The advisory queue is full: a dry run through the API is refused 503 busy.
    const refused = await dryRun();
    expect(refused.statusCode).toBe(503);
    const busy = await scrape();
    expect(sample(busy, 'clearance_gate_runs_running')).toBe('1');
    expect(sample(busy, 'clearance_gate_runs_queued{priority="governed"}')).toBe('1');
    expect(sample(busy, 'clearance_gate_runs_queued{priority="advisory"}')).toBe('1');
    expect(sample(busy, 'clearance_gate_runs_refused_total{priority="governed"}')).toBe('1');
    expect(sample(busy, 'clearance_gate_runs_refused_total{priority="advisory"}')).toBe('1');
    expect(sample(busy, 'clearance_gate_runs_merged_total{priority="advisory"}')).toBe('1');
    expect(sample(busy, 'clearance_gate_runs_merged_total{priority="governed"}')).toBe('0');
    held.release();
    await Promise.all([underWay, advisory, joined, governed]);
    const after = await scrape();
    for (const priority of ['governed', 'advisory']) {
      expect(sample(after, `clearance_gate_runs_queued{priority="${priority}"}`)).toBe('0');
    }
    // The counters keep counting; the joined caller's run was run once.
    expect(sample(after, 'clearance_gate_runs_refused_total{priority="advisory"}')).toBe('1');
    expect(sample(after, 'clearance_gate_runs_merged_total{priority="advisory"}')).toBe('1');
    expect(sample(after, 'clearance_gate_runs_total{result="completed"}')).toBe('4');
  }, 120_000);
});
