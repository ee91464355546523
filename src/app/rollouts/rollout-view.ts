/** A rollout as the API and the CLI show it. */
import type { CanaryStep } from '../../domain/index.js';
import type { RolloutStatus, TriggerHistory } from '../../rollout/index.js';
import type { Repositories } from '../shared/ports.js';
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

/** A person's action on the rollout, from its audit entry. */
export interface RolloutActionRecord {
  action: 'pause' | 'resume' | 'abort' | 'promote';
  by: string;
  /** When the entry was written. */
  at: string;
  reason?: string;
  ticket?: string;
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
  /** People's pauses, resumes, aborts and promotions, oldest first (on a single rollout's read). */
  actions?: RolloutActionRecord[];
}

const actionOf: Record<string, RolloutActionRecord['action']> = {
  'rollout.paused': 'pause',
  'rollout.resumed': 'resume',
  'rollout.aborted': 'abort',
  'rollout.completed': 'promote',
};

/**
 * The people's actions on a rollout, read from its audit entries (the log is the record: reason
 * and ticket are written there in the action's transaction). Automatic pauses and completions
 * are the system's, not a person's, and are left out.
 */
export async function rolloutActions(
  tx: Pick<Repositories, 'audit'>,
  rolloutId: string,
): Promise<RolloutActionRecord[]> {
  const entries = await tx.audit.aboutSubject(
    { type: 'rollout', id: rolloutId },
    Object.keys(actionOf),
  );
  return entries.flatMap((entry) => {
    const action = actionOf[entry.action];
    if (!action || entry.actor.kind === 'system') return [];
    if (action === 'promote' && entry.data.cause !== 'promoted') return [];
    return [
      {
        action,
        by: entry.actor.id,
        at: entry.time,
        ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
        ...(entry.ticket !== undefined ? { ticket: entry.ticket } : {}),
      },
    ];
  });
}

export function rolloutView(rollout: RolloutRecord, actions?: RolloutActionRecord[]): RolloutView {
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
    ...(actions !== undefined ? { actions } : {}),
  };
}
