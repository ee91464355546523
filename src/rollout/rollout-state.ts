import type { RolloutSpec } from '../domain/policy.js';
import { durationMs } from './evaluate-window.js';
import {
  emptyHistory,
  recordWindow,
  type TriggerHistory,
  type TriggerStatus,
} from './trigger-history.js';
import type { WindowObservation, WindowResult } from './window-result.js';
import type { WindowBounds } from './windows.js';

export type RolloutStatus = 'running' | 'paused' | 'rolled_back' | 'completed' | 'aborted';

export interface RolloutState {
  status: RolloutStatus;
  startedAt: number;
  /** Index into the spec's steps. */
  step: number;
  /** Candidate's share of traffic now, in percent (0 after a rollback or abort, 100 when completed). */
  traffic: number;
  /** Time run in the current step; pauses do not count. */
  stepElapsedMs: number;
  /** When the last step ran its full duration, if it has. */
  stepsEndedAt?: number;
  /** The last time the state was brought up to date. */
  at: number;
  pausedBy?: 'inconclusive' | 'manual';
  /** One per trigger, in the spec's order. */
  triggers: TriggerHistory[];
  /**
   * An experiment's canary: it never reaches full production, so it neither completes when its
   * steps end (it holds its last share, still watched by its triggers, until a person ends it)
   * nor takes a promote-now.
   */
  experiment?: true;
}

/** What happened, for the app to carry out (serving) and audit. */
export type RolloutEffect =
  | { type: 'windowDecided'; result: WindowResult; status: TriggerStatus }
  | { type: 'trafficChanged'; at: number; step: number; from: number; to: number }
  | {
      type: 'paused';
      at: number;
      cause: 'inconclusive' | 'manual';
      metrics: string[];
      actor?: string;
    }
  | { type: 'resumed'; at: number; actor: string }
  | {
      type: 'rolledBack';
      at: number;
      cause: 'fail' | 'errors';
      /** The first trigger (in policy order) that tripped, with what it saw. */
      metric: string;
      window: WindowBounds;
      statistic: string;
      observed: WindowObservation;
      explanation: string;
      /** Every trigger that tripped on this decision. */
      metrics: string[];
    }
  | { type: 'completed'; at: number; cause: 'steps' | 'promoted'; actor?: string }
  | { type: 'aborted'; at: number; actor: string; reason?: string };

export type RolloutEvent =
  | { type: 'tick'; at: number }
  | { type: 'windowsDecided'; at: number; results: WindowResult[] }
  | { type: 'pause' | 'resume' | 'promote'; at: number; actor: string }
  | { type: 'abort'; at: number; actor: string; reason?: string };

export interface Transition {
  state: RolloutState;
  effects: RolloutEffect[];
}

export function isTerminal(status: RolloutStatus): boolean {
  return status === 'rolled_back' || status === 'completed' || status === 'aborted';
}

/** A rollout at its first step; the first effect moves traffic from 0 to it. */
export function startRollout(
  spec: RolloutSpec,
  at: number,
  options: { experiment?: boolean } = {},
): Transition {
  const first = spec.steps[0];
  if (!first) throw new Error('A rollout needs at least one canary step.');
  const state: RolloutState = {
    status: 'running',
    startedAt: at,
    step: 0,
    traffic: first.traffic,
    stepElapsedMs: 0,
    at,
    triggers: spec.triggers.map(() => emptyHistory),
    ...(options.experiment ? { experiment: true as const } : {}),
  };
  return { state, effects: [{ type: 'trafficChanged', at, step: 0, from: 0, to: first.traffic }] };
}

/** Runs the clock to `at`: steps advance while running, and the rollout completes when due. */
function tick(spec: RolloutSpec, state: RolloutState, at: number): Transition {
  if (isTerminal(state.status) || at <= state.at) return { state, effects: [] };
  const effects: RolloutEffect[] = [];
  let next: RolloutState = { ...state, at };
  if (next.status === 'running' && next.stepsEndedAt === undefined) {
    let elapsed = next.stepElapsedMs + (at - state.at);
    let stepStart = state.at - next.stepElapsedMs;
    for (;;) {
      const length = durationMs(spec.steps[next.step]!.duration);
      if (elapsed < length) break;
      const endedAt = stepStart + length;
      const following = spec.steps[next.step + 1];
      if (!following) {
        next = { ...next, stepsEndedAt: endedAt };
        elapsed = length;
        break;
      }
      effects.push({
        type: 'trafficChanged',
        at: endedAt,
        step: next.step + 1,
        from: next.traffic,
        to: following.traffic,
      });
      next = { ...next, step: next.step + 1, traffic: following.traffic };
      elapsed -= length;
      stepStart = endedAt;
    }
    next = { ...next, stepElapsedMs: elapsed };
  }
  return complete(spec, { state: next, effects });
}

/** Complete once the steps have run and every window that began before their end is decided. */
function complete(spec: RolloutSpec, { state, effects }: Transition): Transition {
  if (state.status !== 'running' || state.stepsEndedAt === undefined || state.experiment) {
    return { state, effects };
  }
  const span = state.stepsEndedAt - state.startedAt;
  const allDecided = spec.triggers.every(
    (trigger, i) => state.triggers[i]!.decided >= Math.ceil(span / durationMs(trigger.period)),
  );
  if (!allDecided) return { state, effects };
  return {
    state: { ...state, status: 'completed', traffic: 100 },
    effects: [...effects, { type: 'completed', at: state.at, cause: 'steps' }],
  };
}

const statusRank: Record<TriggerStatus, number> = { pass: 0, inconclusive: 1, error: 2, fail: 3 };

/**
 * Records decided windows. The rollout's verdict is the worst of its triggers (Argo's order):
 * Fail or too many Errors in a row roll back at once (from running or paused); otherwise an
 * Inconclusive window pauses a running rollout for a person.
 */
function windowsDecided(
  spec: RolloutSpec,
  state: RolloutState,
  at: number,
  results: WindowResult[],
): Transition {
  const clock = tick(spec, state, at);
  if (isTerminal(clock.state.status)) return clock;
  const effects = [...clock.effects];
  const triggers = [...clock.state.triggers];
  const judged: { result: WindowResult; status: TriggerStatus }[] = [];
  for (const result of results) {
    const trigger = spec.triggers[result.trigger];
    const history = triggers[result.trigger];
    if (!trigger || !history || history.decided !== result.window.index) {
      throw new Error(
        `Window ${result.window.index} of trigger ${result.trigger} is out of order.`,
      );
    }
    const recorded = recordWindow({
      history,
      trigger,
      result,
      consecutiveErrorLimit: spec.consecutiveErrorLimit,
    });
    triggers[result.trigger] = recorded.history;
    judged.push({ result, status: recorded.status });
    effects.push({ type: 'windowDecided', result, status: recorded.status });
  }
  let next: RolloutState = { ...clock.state, triggers };
  const worst = judged.reduce((w, j) => Math.max(w, statusRank[j.status]), 0);
  if (worst >= statusRank.error) {
    const tripped = judged.filter((j) => statusRank[j.status] >= statusRank.error);
    const first = tripped.find((j) => j.status === 'fail') ?? tripped[0]!;
    effects.push({
      type: 'rolledBack',
      at,
      cause: first.status === 'fail' ? 'fail' : 'errors',
      metric: first.result.metric,
      window: first.result.window,
      statistic: first.result.observed.statistic,
      observed: first.result.observed,
      explanation: first.result.explanation,
      metrics: tripped.map((j) => j.result.metric),
    });
    const { pausedBy: _, ...rest } = next;
    return { state: { ...rest, status: 'rolled_back', traffic: 0 }, effects };
  }
  if (worst === statusRank.inconclusive && next.status === 'running') {
    const metrics = judged.filter((j) => j.status === 'inconclusive').map((j) => j.result.metric);
    effects.push({ type: 'paused', at, cause: 'inconclusive', metrics });
    next = { ...next, status: 'paused', pausedBy: 'inconclusive' };
  }
  return complete(spec, { state: next, effects });
}

function manual(
  spec: RolloutSpec,
  state: RolloutState,
  event: Exclude<RolloutEvent, { type: 'tick' | 'windowsDecided' }>,
): Transition {
  const clock = tick(spec, state, event.at);
  const { state: now, effects } = clock;
  if (isTerminal(now.status)) return clock;
  const { pausedBy: _, ...unpaused } = now;
  switch (event.type) {
    case 'pause':
      if (now.status !== 'running') return clock;
      return {
        state: { ...now, status: 'paused', pausedBy: 'manual' },
        effects: [
          ...effects,
          { type: 'paused', at: event.at, cause: 'manual', metrics: [], actor: event.actor },
        ],
      };
    case 'resume':
      if (now.status !== 'paused') return clock;
      return complete(spec, {
        state: { ...unpaused, status: 'running' },
        effects: [...effects, { type: 'resumed', at: event.at, actor: event.actor }],
      });
    case 'promote':
      if (now.experiment) return clock;
      return {
        state: { ...unpaused, status: 'completed', traffic: 100 },
        effects: [
          ...effects,
          { type: 'completed', at: event.at, cause: 'promoted', actor: event.actor },
        ],
      };
    case 'abort':
      return {
        state: { ...unpaused, status: 'aborted', traffic: 0 },
        effects: [
          ...effects,
          {
            type: 'aborted',
            at: event.at,
            actor: event.actor,
            ...(event.reason !== undefined && { reason: event.reason }),
          },
        ],
      };
  }
}

/**
 * The rollout state machine as a pure reducer: the state, the policy's rollout spec and an event
 * give the next state and the effects to carry out and audit. Events for a finished rollout, or
 * that do not apply (resume while running), change nothing and have no effects.
 */
export function reduceRollout(
  spec: RolloutSpec,
  state: RolloutState,
  event: RolloutEvent,
): Transition {
  switch (event.type) {
    case 'tick':
      return tick(spec, state, event.at);
    case 'windowsDecided':
      return windowsDecided(spec, state, event.at, event.results);
    default:
      return manual(spec, state, event);
  }
}
