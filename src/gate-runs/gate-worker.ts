/**
 * The body of a gate worker thread (started by GateWorkerPool): it says `ready`, then evaluates
 * one materialised run at a time, reporting each step so that an over-budget run can say where
 * it was when it was stopped.
 */
import { parentPort } from 'node:worker_threads';
import { evaluateMaterialisedRun } from './materialised-run.js';
import type { WorkerReply, WorkerRequest } from './worker-messages.js';

const port = parentPort;
if (port === null) throw new Error('gate-worker.ts runs only as a worker thread');
const send = (reply: WorkerReply) => port.postMessage(reply);

port.on('message', async (request: WorkerRequest) => {
  const { id } = request;
  try {
    const results = await evaluateMaterialisedRun(request.run, (phase) =>
      send({ type: 'phase', id, phase }),
    );
    send({ type: 'done', id, results });
  } catch (error) {
    send({ type: 'failed', id, reason: error instanceof Error ? error.message : String(error) });
  }
});
send({ type: 'ready' });
