/**
 * The server's GateRunner: gate runs execute in a small pool of worker threads, so parsing
 * evidence and computing statistics never hold up the event loop (`/healthz`, the serving read,
 * every other request). Each run has a wall-clock budget — past it the worker is terminated —
 * and each worker a heap budget (`resourceLimits`); a run that goes over either, or whose worker
 * dies, answers `error` for every gate of the run, saying which budget and how to raise it.
 *
 * A run's evidence reaches its worker as bytes held in memory, or, past `inMemoryRunBytes`, as a
 * temporary directory it was unpacked into (materialised-run.ts).
 *
 * Workers are kept between runs (starting one costs a module load; a run on a warm worker costs
 * one message each way) and replaced when stopped. Runs beyond the pool's size wait in order.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import {
  type BlobStore,
  describePhase,
  failedGateRun,
  type GateRunEnd,
  type GateRunInput,
  type GateRunner,
  type GateRunPhase,
  type GateRunStats,
} from '../app/index.js';
import type { GateResult } from '../domain/index.js';
import {
  inMemoryRunBytes,
  isHeldInMemory,
  type MaterialisedRun,
  materialiseRun,
} from './materialised-run.js';
import type { WorkerReply, WorkerRequest } from './worker-messages.js';

export interface GateRunBudgets {
  /** Wall-clock seconds one run may take in its worker. */
  timeBudgetSeconds: number;
  /** JavaScript heap (MiB) of each worker. */
  memoryBudgetMb: number;
  /** Worker threads, each running one run at a time. */
  workers: number;
}

/** A worker that has not said `ready` by then is stopped: a start never hangs a run. */
const startupTimeoutMs = 60_000;

interface Job {
  id: number;
  run: MaterialisedRun;
  resolve: (results: GateResult[]) => void;
  phase?: GateRunPhase;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  stopped: boolean;
  job?: Job | undefined;
  timer?: NodeJS.Timeout | undefined;
}

type Failure = { explanation: string; details: Record<string, unknown> & { gateRun: GateRunEnd } };

/**
 * Starts a worker on gate-worker.js; from TypeScript source (tests, `tsx`), on gate-worker.ts
 * through tsx's loader, which a worker must register itself before importing.
 */
function startWorker(resourceLimits: ResourceLimits): Worker {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) {
    return new Worker(new URL('./gate-worker.js', import.meta.url), { resourceLimits });
  }
  const entry = pathToFileURL(join(dirname(here), 'gate-worker.ts')).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, resourceLimits });
}

export class GateWorkerPool implements GateRunner {
  readonly #blobs: BlobStore;
  readonly #budgets: GateRunBudgets;
  readonly #inMemoryRunBytes: number;
  readonly #slots = new Set<Slot>();
  readonly #queue: Job[] = [];
  readonly #ended: Record<GateRunEnd, number> = {
    completed: 0,
    over_time_budget: 0,
    over_memory_budget: 0,
    worker_failed: 0,
    worker_not_started: 0,
    cancelled: 0,
  };
  #nextId = 1;
  #closed = false;

  constructor(input: { blobs: BlobStore; budgets: GateRunBudgets; inMemoryRunBytes?: number }) {
    this.#blobs = input.blobs;
    this.#budgets = input.budgets;
    this.#inMemoryRunBytes = input.inMemoryRunBytes ?? inMemoryRunBytes;
  }

  async run(input: GateRunInput): Promise<GateResult[]> {
    if (isHeldInMemory(input, this.#inMemoryRunBytes)) {
      return this.#queued(await materialiseRun(this.#blobs, input));
    }
    const dir = await mkdtemp(join(tmpdir(), 'clearance-gate-run-'));
    try {
      return await this.#queued(await materialiseRun(this.#blobs, input, dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  #queued(run: MaterialisedRun): Promise<GateResult[]> {
    return new Promise<GateResult[]>((resolve) => {
      const job = { id: this.#nextId++, run, resolve };
      if (this.#closed) return this.#fail(job, cancelled());
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  /** What the pool is doing now, and how its runs ended (for /metrics). */
  stats(): GateRunStats {
    const running = [...this.#slots].filter((s) => s.job !== undefined).length;
    return {
      workers: this.#slots.size,
      running,
      queued: this.#queue.length,
      ended: { ...this.#ended },
    };
  }

  /** What each run under way is doing, as an over-budget explanation would name it. */
  runningSteps(): string[] {
    return [...this.#slots].flatMap((s) => (s.job ? [describePhase(s.job.phase)] : []));
  }

  /** Stops every worker; runs under way or waiting answer `error` (the server is stopping). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) this.#fail(job, cancelled());
    const stopping = [...this.#slots].map((slot) => {
      const job = slot.job;
      const done = this.#stop(slot);
      if (job) this.#fail(job, cancelled());
      return done;
    });
    await Promise.all(stopping);
  }

  /** Hands waiting runs to idle workers, and starts workers (up to the pool's size) for the rest. */
  #dispatch(): void {
    for (const slot of this.#slots) {
      const job = slot.ready && slot.job === undefined ? this.#queue.shift() : undefined;
      if (job) this.#start(slot, job);
    }
    let starting = [...this.#slots].filter((s) => !s.ready).length;
    while (this.#queue.length > starting && this.#slots.size < this.#budgets.workers) {
      this.#spawn();
      starting += 1;
    }
  }

  #spawn(): void {
    const worker = startWorker({ maxOldGenerationSizeMb: this.#budgets.memoryBudgetMb });
    const slot: Slot = { worker, ready: false, stopped: false };
    slot.timer = setTimeout(
      () => this.#died(slot, new Error(`no answer within ${startupTimeoutMs / 1000} s`)),
      startupTimeoutMs,
    );
    worker.on('message', (reply: WorkerReply) => this.#heard(slot, reply));
    worker.on('error', (error) => this.#died(slot, error));
    worker.on('exit', (code) => this.#died(slot, new Error(`exit code ${code}`)));
    // An idle worker must not keep a CLI process alive; a busy one must (see #start).
    worker.unref();
    this.#slots.add(slot);
  }

  #start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref();
    slot.timer = setTimeout(() => this.#overTime(slot), this.#budgets.timeBudgetSeconds * 1000);
    const request: WorkerRequest = { id: job.id, run: job.run };
    try {
      slot.worker.postMessage(request);
    } catch (error) {
      this.#finish(slot, crashed(job, error));
    }
  }

  #heard(slot: Slot, reply: WorkerReply): void {
    // A stopped worker may still have sent something before it died; its run is answered.
    if (slot.stopped) return;
    if (reply.type === 'ready') {
      clearTimeout(slot.timer);
      slot.ready = true;
      this.#dispatch();
      return;
    }
    const job = slot.job;
    if (job === undefined || job.id !== reply.id) return;
    if (reply.type === 'phase') job.phase = reply.phase;
    else if (reply.type === 'done') this.#finish(slot, reply.results);
    else this.#finish(slot, crashed(job, new Error(reply.reason)));
  }

  #finish(slot: Slot, outcome: GateResult[] | Failure): void {
    clearTimeout(slot.timer);
    const job = slot.job;
    slot.job = undefined;
    slot.worker.unref();
    if (job && Array.isArray(outcome)) {
      this.#ended.completed += 1;
      job.resolve(outcome);
    } else if (job && !Array.isArray(outcome)) this.#fail(job, outcome);
    this.#dispatch();
  }

  #fail(job: Job, failure: Failure): void {
    this.#ended[failure.details.gateRun] += 1;
    job.resolve(failedGateRun(job.run, failure));
  }

  #overTime(slot: Slot): void {
    const job = slot.job;
    void this.#stop(slot);
    if (job) this.#fail(job, overTime(job, this.#budgets.timeBudgetSeconds));
    this.#dispatch();
  }

  /** The worker ended by itself: out of memory, a crash, or it never started. */
  #died(slot: Slot, error: Error): void {
    if (slot.stopped) return;
    void this.#stop(slot);
    const job = slot.job;
    if (job) {
      const oom = (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      const failure = oom ? overMemory(job, this.#budgets.memoryBudgetMb) : crashed(job, error);
      this.#fail(job, failure);
    } else if (!slot.ready) {
      // A worker that cannot start fails the run it was started for, rather than being started
      // again and again for it.
      const waiting = this.#queue.shift();
      if (waiting) this.#fail(waiting, notStarted(error));
    }
    if (!this.#closed) this.#dispatch();
  }

  #stop(slot: Slot): Promise<unknown> {
    slot.stopped = true;
    clearTimeout(slot.timer);
    this.#slots.delete(slot);
    return slot.worker.terminate();
  }
}

function overTime(job: Job, seconds: number): Failure {
  const phase = describePhase(job.phase);
  return {
    explanation: `The gate run went over its time budget of ${seconds} s while ${phase}, so its worker was stopped and no gate of this run was judged. Make the evidence smaller or simpler, or raise gateTimeBudgetSeconds (CLEARANCE_GATE_TIME_BUDGET_SECONDS).`,
    details: { gateRun: 'over_time_budget', budgetSeconds: seconds, phase },
  };
}

function overMemory(job: Job, megabytes: number): Failure {
  const phase = describePhase(job.phase);
  return {
    explanation: `The gate run went over its memory budget of ${megabytes} MiB while ${phase}, so its worker was stopped and no gate of this run was judged. Make the evidence smaller, or raise gateMemoryBudgetMb (CLEARANCE_GATE_MEMORY_BUDGET_MB).`,
    details: { gateRun: 'over_memory_budget', budgetMb: megabytes, phase },
  };
}

function crashed(job: Job, error: unknown): Failure {
  const phase = describePhase(job.phase);
  const reason = error instanceof Error ? error.message : String(error);
  return {
    explanation: `The gate run's worker thread stopped unexpectedly while ${phase} (${reason}), so no gate of this run was judged. Run it again; if it repeats, report it with the evidence digests.`,
    details: { gateRun: 'worker_failed', reason, phase },
  };
}

function notStarted(error: Error): Failure {
  return {
    explanation: `No gate worker thread could start (${error.message}), so no gate of this run was judged. Check the server log; a gateMemoryBudgetMb too small for the worker to load also causes this.`,
    details: { gateRun: 'worker_not_started', reason: error.message },
  };
}

function cancelled(): Failure {
  return {
    explanation:
      'The gate run was cancelled because the server is shutting down; request or execute again.',
    details: { gateRun: 'cancelled' },
  };
}
