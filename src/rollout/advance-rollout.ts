import type { RolloutSpec } from '../domain/policy.js';
import { durationMs, evaluateWindow } from './evaluate-window.js';
import type { ObservationPoint } from './observations.js';
import {
  isTerminal,
  type RolloutEffect,
  type RolloutState,
  reduceRollout,
  type Transition,
} from './rollout-state.js';
import type { WindowResult } from './window-result.js';
import { decisionTime, windowBounds } from './windows.js';

export interface AdvanceInput {
  spec: RolloutSpec;
  state: RolloutState;
  /** Every point stored for the rollout (late ones included: they are filtered by arrival). */
  points: readonly ObservationPoint[];
  now: number;
  /** Baseline values of drift triggers, by series name. */
  driftBaselines?: Readonly<Record<string, Float64Array>>;
}

/** The next undecided window of each trigger that is due by `now`, earliest decision first. */
function dueWindows(
  input: AdvanceInput,
  latenessMs: number,
): { trigger: number; window: number; at: number }[] {
  const due: { trigger: number; window: number; at: number }[] = [];
  input.spec.triggers.forEach((trigger, i) => {
    const periodMs = durationMs(trigger.period);
    for (let w = input.state.triggers[i]!.decided; ; w++) {
      const at = decisionTime(windowBounds(input.state.startedAt, periodMs, w), latenessMs);
      if (at > input.now) break;
      due.push({ trigger: i, window: w, at });
    }
  });
  return due.sort((a, b) => a.at - b.at || a.trigger - b.trigger);
}

/**
 * Brings a rollout up to `now`: decides every window whose end plus lateness has passed, in
 * time order, interleaved with the clock (steps, completion), and stops at a rollback or the
 * end. Deterministic in its inputs, so a scheduler may call it as often as it likes.
 */
export function advanceRollout(input: AdvanceInput): Transition {
  if (isTerminal(input.state.status)) return { state: input.state, effects: [] };
  const latenessMs = durationMs(input.spec.lateness);
  let state = input.state;
  const effects: RolloutEffect[] = [];
  const apply = (step: Transition): void => {
    state = step.state;
    effects.push(...step.effects);
  };
  const due = dueWindows(input, latenessMs);
  for (let k = 0; k < due.length && !isTerminal(state.status); ) {
    const at = due[k]!.at;
    const results: WindowResult[] = [];
    for (; k < due.length && due[k]!.at === at; k++) {
      const { trigger, window } = due[k]!;
      results.push(
        evaluateWindow({
          trigger: input.spec.triggers[trigger]!,
          triggerIndex: trigger,
          points: input.points,
          startedAt: state.startedAt,
          window,
          latenessMs,
          ...(input.driftBaselines && { driftBaselines: input.driftBaselines }),
        }),
      );
    }
    apply(reduceRollout(input.spec, state, { type: 'windowsDecided', at, results }));
  }
  apply(reduceRollout(input.spec, state, { type: 'tick', at: input.now }));
  return { state, effects };
}

/**
 * Whether advancing to `now` would change anything: a window due, a step to take or the end
 * reached. A sweep skips the rest (no lock, no read of points, no write) — what `advanceRollout`
 * would return for them is their stored state.
 */
export function hasDueWork(input: Omit<AdvanceInput, 'points' | 'driftBaselines'>): boolean {
  if (isTerminal(input.state.status)) return false;
  const latenessMs = durationMs(input.spec.lateness);
  if (dueWindows({ ...input, points: [] }, latenessMs).length > 0) return true;
  return reduceRollout(input.spec, input.state, { type: 'tick', at: input.now }).effects.length > 0;
}
