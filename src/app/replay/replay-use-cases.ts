/** Replaying a stored decision and backtesting a changed policy, as the edges call them. */
import type { Principal } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { type BacktestReport, backtestPolicy, parseSince } from './backtest-policy.js';
import { type ReplayReport, replayDecision } from './replay-decision.js';

/** A backtest as an edge receives it: the policy's text, and `since` as text. */
export interface BacktestInput {
  /** The changed policy, as YAML. */
  policy: string;
  /** Named in problems (`file:line:column`); default `policy.yaml`. */
  file?: string;
  model?: string;
  /** A duration ago (`90d`) or a date. */
  since?: string;
}

export interface ReplayUseCases {
  replayDecision(principal: Principal, id: string): Promise<ReplayReport>;
  backtestPolicy(principal: Principal, input: BacktestInput): Promise<BacktestReport>;
}

export function bindReplayUseCases(deps: AppDeps): ReplayUseCases {
  return {
    replayDecision: (principal, decisionId) => replayDecision(deps, principal, { decisionId }),
    backtestPolicy: (principal, input) =>
      backtestPolicy(deps, principal, {
        policyText: input.policy,
        policyFile: input.file ?? 'policy.yaml',
        ...(input.model === undefined ? {} : { model: input.model }),
        ...(input.since === undefined
          ? {}
          : { since: parseSince(input.since, deps.clock.now(), 'since') }),
      }),
  };
}
