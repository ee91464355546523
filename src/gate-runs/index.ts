/** Gate runners: the server's worker-thread pool with time and memory budgets, and in-process. */
export { type GateRunBudgets, GateWorkerPool } from './gate-worker-pool.js';
export { InProcessGateRunner } from './in-process-gate-runner.js';
