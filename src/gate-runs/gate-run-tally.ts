/**
 * What the gate worker pool counts for `/metrics` (ADR 035): how its runs ended, and how callers
 * fared at the queue: refused `busy` because their queue was full, or merged into an identical run
 * already waiting or under way.
 */
import type { GateRunEnd, GateRunPriority, GateRunStats } from '../app/index.js';

type GateRunCounts = Pick<GateRunStats, 'ended' | 'refused' | 'merged'>;

export interface GateRunTally {
  ended(end: GateRunEnd): void;
  refused(priority: GateRunPriority): void;
  merged(priority: GateRunPriority): void;
  /** Copies of the counts since the pool was made. */
  counts(): GateRunCounts;
}

export function gateRunTally(): GateRunTally {
  const ended: Record<GateRunEnd, number> = {
    completed: 0,
    over_time_budget: 0,
    over_memory_budget: 0,
    worker_failed: 0,
    worker_not_started: 0,
    cancelled: 0,
  };
  const refused: Record<GateRunPriority, number> = { governed: 0, advisory: 0 };
  const merged: Record<GateRunPriority, number> = { governed: 0, advisory: 0 };
  return {
    ended: (end) => {
      ended[end] += 1;
    },
    refused: (priority) => {
      refused[priority] += 1;
    },
    merged: (priority) => {
      merged[priority] += 1;
    },
    counts: () => ({ ended: { ...ended }, refused: { ...refused }, merged: { ...merged } }),
  };
}
