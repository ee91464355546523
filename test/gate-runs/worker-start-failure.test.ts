/**
 * A worker that cannot start (EMFILE, ENOMEM, a broken install) while advisory runs wait behind
 * their share of the workers (ADR 035): the pool must not start worker after worker for runs no
 * worker may take yet. The failure is injected at the thread's start; everything else is real.
 */
import type { Worker as NodeWorker } from 'node:worker_threads';
import { expect, it, vi } from 'vitest';

const state = vi.hoisted(() => ({ created: 0, failFrom: Number.POSITIVE_INFINITY }));
vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:worker_threads')>();
  const { EventEmitter } = await import('node:events');
  class StartFailingWorker extends EventEmitter {
    inner: NodeWorker | undefined;
    constructor(...args: ConstructorParameters<typeof real.Worker>) {
      super();
      state.created += 1;
      if (state.created >= state.failFrom) {
        setImmediate(() => this.emit('error', new Error('cannot start a worker thread')));
        return;
      }
      this.inner = new real.Worker(...args);
      for (const event of ['message', 'error', 'exit']) {
        this.inner.on(event, (value: unknown) => this.emit(event, value));
      }
    }
    postMessage(message: unknown) {
      this.inner?.postMessage(message);
    }
    ref() {
      this.inner?.ref();
    }
    unref() {
      this.inner?.unref();
    }
    terminate() {
      return this.inner ? this.inner.terminate() : Promise.resolve(0);
    }
  }
  return { ...real, Worker: StartFailingWorker };
});

const { GateWorkerPool } = await import('../../src/gate-runs/index.js');
const { harness } = await import('../app/harness.js');
const { replayedRunInput, stagedDecision } = await import('./replayed-run.js');

it('does not start worker after worker for advisory runs past their share', async () => {
  const h = harness();
  const input = await replayedRunInput(h, await stagedDecision(h));

  const before = state.created;
  const pool = new GateWorkerPool({
    blobs: h.blobs,
    budgets: { timeBudgetSeconds: 60, memoryBudgetMb: 256, workers: 2 },
  });
  try {
    // Worker 1 starts and is warm; from the next one on, none can start.
    await pool.run({ ...input, bypass: ['warm'], priority: 'governed' });
    state.failFrom = state.created + 1;
    // Advisory runs may take one of the two workers: a1 runs on worker 1, a2 waits for it.
    const runs = Promise.allSettled([
      pool.run({ ...input, bypass: ['a1'], priority: 'advisory' }),
      pool.run({ ...input, bypass: ['a2'], priority: 'advisory' }),
    ]);
    const outcomes = await runs;
    expect(outcomes.map((o) => o.status)).toStrictEqual(['fulfilled', 'fulfilled']);
    // Worker 1 only: no worker was started for a2, which worker 1 took once a1 was answered.
    expect(state.created - before).toBe(1);
  } finally {
    await pool.close();
  }
}, 60_000);
