/**
 * The body of the file blob store's I/O thread (blob-file-thread.ts): each message is a batch of
 * writes and reads, carried out in order; the answer holds one result per request, read bytes
 * handed over without a copy.
 */
import { parentPort } from 'node:worker_threads';
import { type BlobFileRequest, type BlobFileResult, runBlobFileRequest } from './blob-file-ops.js';

const port = parentPort;
if (port === null) throw new Error('blob-file-worker.ts runs only as a worker thread');

/** Folders known to exist, across batches. */
const made = new Set<string>();

port.on('message', (batch: { id: number; requests: BlobFileRequest[] }) => {
  const results: BlobFileResult[] = batch.requests.map((r) => runBlobFileRequest(r, made));
  const transfer = results.flatMap((r) => (r.kind === 'read' ? [r.bytes.buffer] : []));
  port.postMessage({ id: batch.id, results }, transfer);
});
