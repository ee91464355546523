/**
 * The event loop's side of the file blob store's I/O thread (ADR 047). One thread per process
 * serves every FileBlobStore: it starts on the first request, holds the process open only while
 * requests are in flight, and requests made in the same turn of the event loop travel to it as
 * one message.
 *
 * The thread is a speed-up, never a dependency: every request it cannot take is answered
 * `undefined`, and the store then does the work on the event loop's thread as it always could
 * (`fs/promises` through libuv's pool). So are the requests of a thread that fails to start, dies,
 * or cannot be sent a batch (they are safe to do again: a write of bytes by their digest, a read),
 * and new requests while a batch has gone unanswered for `stallMs` (a hung volume blocks one
 * system call of the thread; the pool's other threads still serve the rest). After a failure the
 * thread is not started again for `restartAfterMs`.
 */
import type { Worker } from 'node:worker_threads';
import type { BlobFileRequest, BlobFileResult, SystemErrorFields } from './blob-file-ops.js';
import { startModuleWorker } from './module-worker.js';

/** A request's settlement: its result, or `undefined` when the caller must do it itself. */
type Settle = (result: BlobFileResult | undefined) => void;

interface SentBatch {
  settle: Settle[];
  at: number;
}

export interface BlobFileThreadOptions {
  /** Starts the thread; the blob file worker by default. */
  start?: () => Worker;
  /** A batch unanswered this long sends new requests back to the caller; 2 s by default. */
  stallMs?: number;
  /** After a failure, how long requests go back to the caller before a restart; 10 s by default. */
  restartAfterMs?: number;
}

export class BlobFileThread {
  readonly #start: () => Worker;
  readonly #stallMs: number;
  readonly #restartAfterMs: number;
  #worker: Worker | undefined;
  #failedAt = Number.NEGATIVE_INFINITY;
  #nextId = 0;
  /** Batches sent and not yet answered, oldest first. */
  readonly #sent = new Map<number, SentBatch>();
  #queued: { requests: BlobFileRequest[]; settle: Settle[] } | undefined;
  #handedBack = 0;

  constructor(options: BlobFileThreadOptions = {}) {
    this.#start =
      options.start ??
      (() => startModuleWorker(new URL('./blob-file-worker.js', import.meta.url), import.meta.url));
    this.#stallMs = options.stallMs ?? 2000;
    this.#restartAfterMs = options.restartAfterMs ?? 10_000;
  }

  /** Carries out `request` on the thread; `undefined` when the caller must do it itself. */
  run(request: BlobFileRequest): Promise<BlobFileResult | undefined> {
    if (!this.#available()) return Promise.resolve(this.#handBack());
    return new Promise((resolve) => {
      if (this.#queued === undefined) {
        this.#queued = { requests: [], settle: [] };
        queueMicrotask(() => this.#send());
      }
      this.#queued.requests.push(request);
      this.#queued.settle.push((result) => resolve(result ?? this.#handBack()));
    });
  }

  /** Requests handed back to their callers so far (the thread could not take them). */
  get handedBack(): number {
    return this.#handedBack;
  }

  #handBack(): undefined {
    this.#handedBack += 1;
    return undefined;
  }

  #available(): boolean {
    const now = performance.now();
    if (now - this.#failedAt < this.#restartAfterMs) return false;
    const oldest = this.#sent.values().next();
    return oldest.done === true || now - oldest.value.at < this.#stallMs;
  }

  #send(): void {
    const batch = this.#queued;
    this.#queued = undefined;
    if (batch === undefined) return;
    const id = this.#nextId++;
    let worker: Worker | undefined;
    try {
      worker = this.#started();
      this.#sent.set(id, { settle: batch.settle, at: performance.now() });
      worker.ref();
      worker.postMessage({ id, requests: batch.requests });
    } catch {
      // Not started, or a request could not be cloned: the callers do the work themselves.
      this.#sent.delete(id);
      if (worker !== undefined && this.#sent.size === 0) worker.unref();
      for (const settle of batch.settle) settle(undefined);
    }
  }

  #started(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = this.#start();
    worker.unref();
    worker.on('message', (answer: { id: number; results: BlobFileResult[] }) => {
      const batch = this.#sent.get(answer.id);
      this.#sent.delete(answer.id);
      if (this.#sent.size === 0) worker.unref();
      for (const [i, settle] of (batch?.settle ?? []).entries()) settle(answer.results[i]);
    });
    const stop = () => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#failedAt = performance.now();
      const unanswered = [...this.#sent.values()].flatMap((batch) => batch.settle);
      this.#sent.clear();
      for (const settle of unanswered) settle(undefined);
      void worker.terminate();
    };
    worker.on('error', stop);
    worker.on('messageerror', stop);
    worker.on('exit', stop);
    this.#worker = worker;
    return worker;
  }
}

let thread: BlobFileThread | undefined;

/** The process's blob I/O thread, started on its first request. */
export function processBlobFileThread(): BlobFileThread {
  thread ??= new BlobFileThread();
  return thread;
}

/** A system call's error from the I/O thread, as `fs` would have thrown it on this one. */
export function systemError(fields: SystemErrorFields): NodeJS.ErrnoException {
  const { message, ...rest } = fields;
  return Object.assign(new Error(message), rest);
}
