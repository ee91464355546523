/**
 * The event loop's side of the file blob store's I/O thread (ADR 047). One thread per process
 * serves every FileBlobStore: it starts on the first request, holds the process open only while
 * requests are in flight, and is started again after it dies (the requests it held fail with the
 * reason). Requests made in the same turn of the event loop travel as one message.
 */
import type { Worker } from 'node:worker_threads';
import type { BlobFileRequest, BlobFileResult, SystemErrorFields } from './blob-file-ops.js';
import { startModuleWorker } from './module-worker.js';

interface Pending {
  resolve: (result: BlobFileResult) => void;
  reject: (error: Error) => void;
}

class BlobFileThread {
  #worker: Worker | undefined;
  #nextId = 0;
  /** Batches sent and not yet answered, by id; each holds its requests' settlers in order. */
  readonly #sent = new Map<number, Pending[]>();
  #queued: { requests: BlobFileRequest[]; pending: Pending[] } | undefined;

  run(request: BlobFileRequest): Promise<BlobFileResult> {
    return new Promise((resolve, reject) => {
      if (this.#queued === undefined) {
        this.#queued = { requests: [], pending: [] };
        queueMicrotask(() => this.#send());
      }
      this.#queued.requests.push(request);
      this.#queued.pending.push({ resolve, reject });
    });
  }

  #send(): void {
    const batch = this.#queued;
    this.#queued = undefined;
    if (batch === undefined) return;
    const id = this.#nextId++;
    let worker: Worker;
    try {
      worker = this.#started();
      this.#sent.set(id, batch.pending);
      worker.ref();
      worker.postMessage({ id, requests: batch.requests });
    } catch (error) {
      this.#sent.delete(id);
      for (const p of batch.pending) p.reject(asError(error));
    }
  }

  #started(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = startModuleWorker(
      new URL('./blob-file-worker.js', import.meta.url),
      import.meta.url,
    );
    worker.unref();
    worker.on('message', (answer: { id: number; results: BlobFileResult[] }) => {
      const pending = this.#sent.get(answer.id);
      this.#sent.delete(answer.id);
      if (this.#sent.size === 0) worker.unref();
      pending?.forEach((p, i) => {
        const result = answer.results[i];
        if (result === undefined) p.reject(new Error('the blob I/O thread gave no result'));
        else p.resolve(result);
      });
    });
    const stop = (reason: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      const failed = [...this.#sent.values()].flat();
      this.#sent.clear();
      for (const p of failed) p.reject(reason);
    };
    worker.on('error', (error) => stop(new Error(`The blob I/O thread failed: ${error.message}`)));
    worker.on('exit', (code) => stop(new Error(`The blob I/O thread stopped (exit code ${code})`)));
    this.#worker = worker;
    return worker;
  }
}

let thread: BlobFileThread | undefined;

/** Carries out `request` on the blob I/O thread. */
export function onBlobFileThread(request: BlobFileRequest): Promise<BlobFileResult> {
  thread ??= new BlobFileThread();
  return thread.run(request);
}

/** A system call's error from the I/O thread, as `fs` would have thrown it on this one. */
export function systemError(fields: SystemErrorFields): NodeJS.ErrnoException {
  const { message, ...rest } = fields;
  return Object.assign(new Error(message), rest);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
