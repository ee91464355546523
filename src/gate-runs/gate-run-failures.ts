/**
 * How a gate run that judged nothing is explained: each names what stopped it, the step it was
 * in and the setting that would let it through. `busy` is the refusal of a run that found its
 * queue full (ADR 035).
 */
import {
  describePhase,
  type GateRunEnd,
  type GateRunPhase,
  type GateRunPriority,
} from '../app/index.js';
import { ClearanceError } from '../domain/index.js';

export type Failure = {
  explanation: string;
  details: Record<string, unknown> & { gateRun: GateRunEnd };
};

export function busy(priority: GateRunPriority, limit: number): ClearanceError {
  const key = priority === 'advisory' ? 'gateAdvisoryQueuePerWorker' : 'gateGovernedQueuePerWorker';
  const what =
    priority === 'advisory' ? 'replays, backtests and dry runs' : 'requests and executions';
  const message = `The gate workers are busy: ${limit} gate runs of ${what} are already waiting.`;
  return new ClearanceError('busy', message, {
    problems: [
      {
        message,
        fix: `Try again after the number of seconds in Retry-After, or ask an operator to raise gateWorkers or ${key}.`,
      },
    ],
  });
}

export function overTime(step: GateRunPhase | undefined, seconds: number): Failure {
  const phase = describePhase(step);
  return {
    explanation: `The gate run went over its time budget of ${seconds} s while ${phase}, so its worker was stopped and no gate of this run was judged. Make the evidence smaller or simpler, or raise gateTimeBudgetSeconds (CLEARANCE_GATE_TIME_BUDGET_SECONDS).`,
    details: { gateRun: 'over_time_budget', budgetSeconds: seconds, phase },
  };
}

export function overMemory(step: GateRunPhase | undefined, megabytes: number): Failure {
  const phase = describePhase(step);
  return {
    explanation: `The gate run went over its memory budget of ${megabytes} MiB while ${phase}, so its worker was stopped and no gate of this run was judged. Make the evidence smaller, or raise gateMemoryBudgetMb (CLEARANCE_GATE_MEMORY_BUDGET_MB).`,
    details: { gateRun: 'over_memory_budget', budgetMb: megabytes, phase },
  };
}

export function crashed(step: GateRunPhase | undefined, error: unknown): Failure {
  const phase = describePhase(step);
  const reason = error instanceof Error ? error.message : String(error);
  return {
    explanation: `The gate run's worker thread stopped unexpectedly while ${phase} (${reason}), so no gate of this run was judged. Run it again; if it repeats, report it with the evidence digests.`,
    details: { gateRun: 'worker_failed', reason, phase },
  };
}

export function notStarted(error: Error): Failure {
  return {
    explanation: `No gate worker thread could start (${error.message}), so no gate of this run was judged. Check the server log; a gateMemoryBudgetMb too small for the worker to load also causes this.`,
    details: { gateRun: 'worker_not_started', reason: error.message },
  };
}

export function cancelled(): Failure {
  return {
    explanation:
      'The gate run was cancelled because the server is shutting down; request or execute again.',
    details: { gateRun: 'cancelled' },
  };
}
