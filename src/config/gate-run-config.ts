import { z } from 'zod';
import { configSection } from './config-section.js';

/** Gate runs' worker threads, budgets and queues. */
export const gateRunConfig = configSection({
  schema: {
    gateTimeBudgetSeconds: z.coerce
      .number()
      .positive()
      .max(3600)
      .describe(
        'Wall-clock budget of one gate run (reading a version’s and its baseline’s stored evidence, then evaluating the gates) in its worker thread; past it the worker is stopped and every gate of the run is `error`, naming this key.',
      ),
    gateMemoryBudgetMb: z.coerce
      .number()
      .int()
      .min(64)
      .max(65536)
      .describe(
        'JavaScript heap budget (MiB) of each gate worker thread; a run that needs more stops its worker and every gate of the run is `error`, naming this key. File bytes and prediction columns live outside this heap.',
      ),
    gateWorkers: z.coerce
      .number()
      .int()
      .min(1)
      .max(64)
      .describe(
        "Worker threads that run gates, each one run at a time; further runs wait their turn. Kept alive between runs; a stopped worker is replaced. With 2 or more, replays, backtests and dry runs occupy at most all workers but one, so one is always free for requests, executions and emergency expiry; with 1, such a governed run may wait for the replay under way, up to one run's `gateTimeBudgetSeconds`.",
      ),
    gateAdvisoryQueuePerWorker: z.coerce
      .number()
      .int()
      .min(1)
      .max(1024)
      .describe(
        'Gate runs of replays, backtests and dry runs that may wait for a worker, per `gateWorkers`; past it such runs are refused with 503 `busy` and Retry-After. A waiting run holds no evidence (it is read when a worker takes the run), and an identical run already waiting or under way is joined, not queued again.',
      ),
    gateGovernedQueuePerWorker: z.coerce
      .number()
      .int()
      .min(1)
      .max(4096)
      .describe(
        'Gate runs of requests, executions and emergency expiry that may wait for a worker, per `gateWorkers`, in a queue of their own that workers serve first, so replays never crowd them out; past it they are refused with 503 `busy`.',
      ),
  },
  defaults: {
    gateTimeBudgetSeconds: 30,
    gateMemoryBudgetMb: 1024,
    gateWorkers: 2,
    gateAdvisoryQueuePerWorker: 4,
    gateGovernedQueuePerWorker: 32,
  },
  environment: {
    gateTimeBudgetSeconds: ['CLEARANCE_GATE_TIME_BUDGET_SECONDS'],
    gateMemoryBudgetMb: ['CLEARANCE_GATE_MEMORY_BUDGET_MB'],
    gateWorkers: ['CLEARANCE_GATE_WORKERS'],
    gateAdvisoryQueuePerWorker: ['CLEARANCE_GATE_ADVISORY_QUEUE_PER_WORKER'],
    gateGovernedQueuePerWorker: ['CLEARANCE_GATE_GOVERNED_QUEUE_PER_WORKER'],
  },
});
