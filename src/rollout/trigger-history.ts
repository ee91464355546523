import type { RollbackTrigger } from '../domain/policy.js';
import type { WindowResult } from './window-result.js';

/** What a trigger remembers between windows. */
export interface TriggerHistory {
  /** Windows decided so far; the next one to decide has this index. */
  decided: number;
  /** Verdicts of the last N windows with data (pass, fail or inconclusive), oldest first. */
  recent: ('pass' | 'fail' | 'inconclusive')[];
  /** Error windows in a row (skipped windows neither add nor reset). */
  consecutiveErrors: number;
}

/**
 * A trigger's state after a window, worst first: `fail` (M of the last N windows with data
 * breached), `error` (consecutiveErrorLimit Error windows in a row), `inconclusive` (this
 * window), `pass`.
 */
export type TriggerStatus = 'fail' | 'error' | 'inconclusive' | 'pass';

export const emptyHistory: TriggerHistory = { decided: 0, recent: [], consecutiveErrors: 0 };

/** CloudWatch's M-of-N over the windows that have data, and Argo's consecutive-error limit. */
export function recordWindow(input: {
  history: TriggerHistory;
  trigger: RollbackTrigger;
  result: WindowResult;
  consecutiveErrorLimit: number;
}): { history: TriggerHistory; status: TriggerStatus } {
  const { history, trigger, result } = input;
  const verdict = result.verdict;
  let recent = history.recent;
  let consecutiveErrors = history.consecutiveErrors;
  if (verdict === 'error') consecutiveErrors += 1;
  else if (verdict !== 'skipped') {
    consecutiveErrors = 0;
    recent = [...recent, verdict].slice(-trigger.evaluationPeriods);
  }
  const next = { decided: history.decided + 1, recent, consecutiveErrors };
  const breaches = recent.filter((v) => v === 'fail').length;
  let status: TriggerStatus = 'pass';
  if (breaches >= trigger.datapointsToAlarm) status = 'fail';
  else if (consecutiveErrors >= input.consecutiveErrorLimit) status = 'error';
  else if (verdict === 'inconclusive') status = 'inconclusive';
  return { history: next, status };
}
