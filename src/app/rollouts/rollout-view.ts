/** A rollout as the API and the CLI show it. */
import type { CanaryStep } from '../../domain/index.js';
import type { RolloutStatus, TriggerHistory } from '../../rollout/index.js';
import type { RolloutRecord } from '../shared/rollout-ports.js';

export interface RolloutTriggerView {
  metric: string;
  series: string;
  compare: string;
  op: string;
  threshold: number;
  period: string;
  /** Windows decided so far. */
  decided: number;
  /** Verdicts of the last N windows with data, oldest first. */
  recent: TriggerHistory['recent'];
  consecutiveErrors: number;
}

export interface RolloutView {
  id: string;
  model: string;
  version: string;
  controlVersion?: string;
  requestId: string;
  policyDigest: string;
  status: RolloutStatus;
  /** The candidate's share of traffic now, in percent. */
  traffic: number;
  step: number;
  steps: CanaryStep[];
  pausedBy?: 'inconclusive' | 'manual';
  startedAt: string;
  startedBy: string;
  updatedAt: string;
  /** When the state was last brought up to date by an evaluation. */
  evaluatedAt: string;
  triggers: RolloutTriggerView[];
}

export function rolloutView(rollout: RolloutRecord): RolloutView {
  const { state, spec } = rollout;
  return {
    id: rollout.id,
    model: rollout.model,
    version: rollout.version,
    ...(rollout.controlVersion !== undefined ? { controlVersion: rollout.controlVersion } : {}),
    requestId: rollout.requestId,
    policyDigest: rollout.policyDigest,
    status: state.status,
    traffic: state.traffic,
    step: state.step,
    steps: spec.steps,
    ...(state.pausedBy !== undefined ? { pausedBy: state.pausedBy } : {}),
    startedAt: rollout.startedAt,
    startedBy: rollout.startedBy,
    updatedAt: rollout.updatedAt,
    evaluatedAt: new Date(state.at).toISOString(),
    triggers: spec.triggers.map((trigger, i) => ({
      metric: trigger.metric,
      series: trigger.series,
      compare: trigger.compare,
      op: trigger.op,
      threshold: trigger.threshold,
      period: trigger.period,
      decided: state.triggers[i]?.decided ?? 0,
      recent: state.triggers[i]?.recent ?? [],
      consecutiveErrors: state.triggers[i]?.consecutiveErrors ?? 0,
    })),
  };
}
