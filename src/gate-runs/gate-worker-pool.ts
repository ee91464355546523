/**
 * The server's GateRunner: gate runs execute in a small pool of worker threads, so parsing
 * evidence and computing statistics never hold up the event loop (`/healthz`, the serving read,
 * every other request). Each run has a wall-clock budget — past it the worker is terminated —
 * and each worker a heap budget (`resourceLimits`); a run that goes over either, or whose worker
 * dies, answers `error` for every gate of the run, saying which budget and how to raise it.
 *
 * A run's evidence reaches its worker as bytes held in memory, or, past `inMemoryRunBytes`, as a
 * temporary directory it was unpacked into (materialised-run.ts). A waiting run holds its evidence
 * records and nothing more, except the runs next in line, whose evidence is read ahead while the
 * workers run (one per worker, and more while their evidence together stays within one in-memory
 * run per worker): a worker never sits idle while its next run is read, and what waiting runs
 * hold stays bounded by the pool's size (per kind of run: a run read ahead keeps its evidence
 * when governed runs arrive ahead of it; ADR 035).
 *
 * Workers are kept between runs (starting one costs a module load; a run on a warm worker costs
 * one message each way) and replaced when stopped. Runs beyond the pool's size wait in order,
 * `governed` ones (requests, executions) before `advisory` ones (replay, backtest, dry run), each
 * kind in a queue of its own bound; a run that finds its queue full is refused (`busy`). A run
 * identical to one waiting or under way (same `gateRunKey`) joins it: N identical replays cost
 * one run. With two workers or more, advisory runs occupy at most all but one of them, so a
 * governed run never waits for a worker busy with a replay; with one worker a governed run may
 * wait for the advisory run under way, up to one run's time budget (ADR 035).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResourceLimits, Worker } from 'node:worker_threads';
import {
  type BlobStore,
  describePhase,
  failedGateRun,
  type GateRunInput,
  type GateRunner,
  type GateRunPhase,
  type GateRunPriority,
  type GateRunStats,
  gateRunKey,
} from '../app/index.js';
import type { GateResult } from '../domain/index.js';
import { startModuleWorker } from '../evidence/module-worker.js';
import {
  busy,
  cancelled,
  crashed,
  type Failure,
  notStarted,
  overMemory,
  overTime,
} from './gate-run-failures.js';
import { gateRunTally } from './gate-run-tally.js';
import {
  evidenceBytes,
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
  /** Advisory runs (replay, backtest, dry run) that may wait, per worker; default 4. */
  advisoryQueuePerWorker?: number;
  /** Governed runs (requests, executions) that may wait, per worker; default 32. */
  governedQueuePerWorker?: number;
}

const defaultQueuePerWorker: Record<GateRunPriority, number> = { advisory: 4, governed: 32 };

/** A worker that has not said `ready` by then is stopped: a start never hangs a run. */
const startupTimeoutMs = 60_000;

interface Waiter {
  resolve: (results: GateResult[]) => void;
  reject: (error: unknown) => void;
}

/** One run, for every caller that asked for it while it waited or ran. */
interface Job {
  id: number;
  key: string;
  input: GateRunInput;
  priority: GateRunPriority;
  waiters: Waiter[];
  /** Its temporary directory, once its evidence is read and too large to hold. */
  dir?: string | undefined;
  /** Its evidence, being read or read, once it is among the next runs to be taken. */
  loaded?: Promise<MaterialisedRun> | undefined;
  settled: boolean;
  phase?: GateRunPhase;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  stopped: boolean;
  job?: Job | undefined;
  timer?: NodeJS.Timeout | undefined;
}

/** A gate worker thread under the given heap budget. */
function startWorker(resourceLimits: ResourceLimits): Worker {
  return startModuleWorker(new URL('./gate-worker.js', import.meta.url), import.meta.url, {
    resourceLimits,
  });
}

export class GateWorkerPool implements GateRunner {
  readonly #blobs: BlobStore;
  readonly #budgets: GateRunBudgets;
  readonly #inMemoryRunBytes: number;
  readonly #slots = new Set<Slot>();
  readonly #queues: Record<GateRunPriority, Job[]> = { governed: [], advisory: [] };
  readonly #limits: Record<GateRunPriority, number>;
  /** Runs waiting or under way, by `gateRunKey`: an identical run joins one of these. */
  readonly #inFlight = new Map<string, Job>();
  readonly #tally = gateRunTally();
  /** Workers advisory runs may occupy at once: all but one, or the only one. */
  readonly #advisoryWorkers: number;
  #nextId = 1;
  #closed = false;

  constructor(input: { blobs: BlobStore; budgets: GateRunBudgets; inMemoryRunBytes?: number }) {
    this.#blobs = input.blobs;
    this.#budgets = input.budgets;
    this.#inMemoryRunBytes = input.inMemoryRunBytes ?? inMemoryRunBytes;
    const { workers } = input.budgets;
    this.#advisoryWorkers = Math.max(1, workers - 1);
    this.#limits = {
      advisory: workers * (input.budgets.advisoryQueuePerWorker ?? defaultQueuePerWorker.advisory),
      governed: workers * (input.budgets.governedQueuePerWorker ?? defaultQueuePerWorker.governed),
    };
  }

  run(input: GateRunInput): Promise<GateResult[]> {
    const priority = input.priority ?? 'governed';
    const key = gateRunKey(input);
    const same = this.#inFlight.get(key);
    if (same) {
      // A governed caller takes a waiting advisory run into the governed queue: only if it fits.
      const moves = priority === 'governed' && this.#queues.advisory.includes(same);
      if (moves && this.#queues.governed.length >= this.#limits.governed) {
        return this.#refuse('governed');
      }
      this.#tally.merged(priority);
      return this.#join(same, priority);
    }
    const job: Job = { id: this.#nextId++, key, input, priority, waiters: [], settled: false };
    if (this.#closed) {
      const answer = this.#join(job, priority);
      this.#fail(job, cancelled());
      return answer;
    }
    const queue = this.#queues[priority];
    if (queue.length >= this.#limits[priority]) return this.#refuse(priority);
    const answer = this.#join(job, priority);
    this.#inFlight.set(key, job);
    queue.push(job);
    this.#dispatch();
    return answer;
  }

  #refuse(priority: GateRunPriority): Promise<never> {
    this.#tally.refused(priority);
    return Promise.reject(busy(priority, this.#limits[priority]));
  }

  /**
   * Another caller of `job`'s run. A governed caller joining an advisory run still waiting takes
   * it into the governed queue (`run` checked it has room): it must not wait behind replays.
   */
  #join(job: Job, priority: GateRunPriority): Promise<GateResult[]> {
    if (priority === 'governed' && job.priority === 'advisory') {
      const at = this.#queues.advisory.indexOf(job);
      if (at !== -1) {
        this.#queues.advisory.splice(at, 1);
        this.#queues.governed.push(job);
      }
      job.priority = 'governed';
    }
    return new Promise<GateResult[]>((resolve, reject) => job.waiters.push({ resolve, reject }));
  }

  /** What the pool is doing now, how its runs ended and how callers fared at the queue (/metrics). */
  stats(): GateRunStats {
    const running = [...this.#slots].filter((s) => s.job !== undefined).length;
    const { governed, advisory } = this.#queues;
    return {
      workers: this.#slots.size,
      running,
      queued: governed.length + advisory.length,
      queuedByPriority: { governed: governed.length, advisory: advisory.length },
      ...this.#tally.counts(),
    };
  }

  /** What each run under way is doing, as an over-budget explanation would name it. */
  runningSteps(): string[] {
    return [...this.#slots].flatMap((s) => (s.job ? [describePhase(s.job.phase)] : []));
  }

  /** Stops every worker; runs under way or waiting answer `error` (the server is stopping). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const queue of Object.values(this.#queues)) {
      for (const job of queue.splice(0)) this.#fail(job, cancelled());
    }
    const stopping = [...this.#slots].map((slot) => {
      const job = slot.job;
      const done = this.#stop(slot);
      if (job) this.#fail(job, cancelled());
      return done;
    });
    await Promise.all(stopping);
  }

  /**
   * The next run to take: governed first, each queue in order. With two workers or more, advisory
   * runs occupy at most all but one worker, so one is always free for a governed run (a request
   * or execution, or emergency expiry under the write lock) rather than busy with a replay.
   */
  #next(): Job | undefined {
    const governed = this.#queues.governed.shift();
    if (governed) return governed;
    const advisoryRunning = [...this.#slots].filter((s) => s.job?.priority === 'advisory').length;
    if (advisoryRunning >= this.#advisoryWorkers) return undefined;
    return this.#queues.advisory.shift();
  }

  /**
   * Hands waiting runs to idle workers, reads ahead the evidence of the runs to be taken next, and
   * starts workers (up to the pool's size) for the rest.
   */
  #dispatch(): void {
    for (const slot of this.#slots) {
      const job = slot.ready && slot.job === undefined ? this.#next() : undefined;
      if (job) this.#start(slot, job);
    }
    this.#readAhead();
    // Workers are started for runs a worker could take now: advisory runs past their share of
    // the workers wait for one of theirs, and a worker that cannot start is not started for them
    // again and again.
    const advisoryRunning = [...this.#slots].filter((s) => s.job?.priority === 'advisory').length;
    const waiting =
      this.#queues.governed.length +
      Math.min(this.#queues.advisory.length, Math.max(0, this.#advisoryWorkers - advisoryRunning));
    let starting = [...this.#slots].filter((s) => !s.ready).length;
    while (waiting > starting && this.#slots.size < this.#budgets.workers) {
      this.#spawn();
      starting += 1;
    }
  }

  /**
   * Starts reading the evidence of the waiting runs next in line, in the order `#next` takes them:
   * one per worker, and further runs while the evidence read ahead stays within one in-memory run
   * (`inMemoryRunBytes`) per worker. Small runs — a request's metrics and model card — are then
   * all read at once, as their workers free up in a millisecond; large ones, a few at a time.
   */
  #readAhead(): void {
    const { workers } = this.#budgets;
    const budget = workers * this.#inMemoryRunBytes;
    let runs = 0;
    let bytes = 0;
    for (const job of [...this.#queues.governed, ...this.#queues.advisory]) {
      const size = evidenceBytes(job.input);
      if (runs >= workers && bytes + size > budget) return;
      runs += 1;
      bytes += size;
      if (job.loaded !== undefined) continue;
      job.loaded = this.#load(job);
      // Answered before a worker took it (shutdown): the failure is nobody's to hear.
      job.loaded.catch(() => undefined);
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

  /** The worker takes the run, read ahead or read now; its budget starts once it is read. */
  #start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref();
    const loading = job.loaded ?? this.#load(job);
    job.loaded = undefined;
    void loading.then(
      (run) => {
        // Stopped or closed while the evidence was read: the run was answered already.
        if (slot.job !== job || slot.stopped) return;
        slot.timer = setTimeout(() => this.#overTime(slot), this.#budgets.timeBudgetSeconds * 1000);
        const request: WorkerRequest = { id: job.id, run };
        try {
          slot.worker.postMessage(request);
        } catch (error) {
          this.#finish(slot, crashed(job.phase, error));
        }
      },
      (error: unknown) => {
        if (slot.job !== job || slot.stopped) return;
        slot.job = undefined;
        slot.worker.unref();
        this.#settle(job, (w) => w.reject(error));
        this.#dispatch();
      },
    );
  }

  async #load(job: Job): Promise<MaterialisedRun> {
    if (isHeldInMemory(job.input, this.#inMemoryRunBytes)) {
      return materialiseRun(this.#blobs, job.input);
    }
    const dir = await mkdtemp(join(tmpdir(), 'clearance-gate-run-'));
    job.dir = dir;
    try {
      return await materialiseRun(this.#blobs, job.input, dir);
    } finally {
      // Answered meanwhile (its worker died, shutdown, or it was cancelled while read ahead): the
      // directory is nobody's. Removed here, once nothing writes to it any more: the removal
      // `#settle` started may have run while files were still being written into it.
      if (job.settled) {
        job.dir = undefined;
        void rm(dir, { recursive: true, force: true }).catch(() => {});
      }
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
    else this.#finish(slot, crashed(job.phase, new Error(reply.reason)));
  }

  #finish(slot: Slot, outcome: GateResult[] | Failure): void {
    clearTimeout(slot.timer);
    const job = slot.job;
    slot.job = undefined;
    slot.worker.unref();
    if (job && Array.isArray(outcome)) {
      this.#tally.ended('completed');
      this.#answer(job, outcome);
    } else if (job && !Array.isArray(outcome)) this.#fail(job, outcome);
    this.#dispatch();
  }

  #fail(job: Job, failure: Failure): void {
    this.#tally.ended(failure.details.gateRun);
    this.#answer(job, failedGateRun(job.input, failure));
  }

  /** Every caller gets results of its own: one caller's changes never reach another's. */
  #answer(job: Job, results: GateResult[]): void {
    this.#settle(job, (w, i) => w.resolve(i === 0 ? results : structuredClone(results)));
  }

  #settle(job: Job, each: (waiter: Waiter, index: number) => void): void {
    if (job.settled) return;
    job.settled = true;
    if (this.#inFlight.get(job.key) === job) this.#inFlight.delete(job.key);
    job.waiters.forEach(each);
    removeRunDir(job);
  }

  #overTime(slot: Slot): void {
    const job = slot.job;
    void this.#stop(slot);
    if (job) this.#fail(job, overTime(job.phase, this.#budgets.timeBudgetSeconds));
    this.#dispatch();
  }

  /** The worker ended by itself: out of memory, a crash, or it never started. */
  #died(slot: Slot, error: Error): void {
    if (slot.stopped) return;
    void this.#stop(slot);
    const job = slot.job;
    if (job) {
      const oom = (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      const failure = oom
        ? overMemory(job.phase, this.#budgets.memoryBudgetMb)
        : crashed(job.phase, error);
      this.#fail(job, failure);
    } else if (!slot.ready) {
      // A worker that cannot start fails the run it was started for, rather than being started
      // again and again for it.
      const waiting = this.#next();
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

/** Removes a finished run's temporary directory, if it has one; a failure leaves litter only. */
function removeRunDir(job: Job): void {
  const dir = job.dir;
  if (dir === undefined) return;
  job.dir = undefined;
  void rm(dir, { recursive: true, force: true }).catch(() => {});
}
