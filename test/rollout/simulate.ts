import { readFileSync } from 'node:fs';
import type { RolloutSpec } from '../../src/domain/index.js';
import { parsePolicy } from '../../src/policy/index.js';
import {
  advanceRollout,
  type ObservationPoint,
  type RolloutEffect,
  type RolloutState,
  startRollout,
} from '../../src/rollout/index.js';

export const minute = 60_000;
export const hour = 60 * minute;
/** A fixed start, so windows and audit times are easy to read. */
export const t0 = Date.UTC(2026, 11, 1, 0, 0, 0);

/** The production rollout of an example policy, parsed as a user's file would be. */
export function exampleRollout(example: string): RolloutSpec {
  const path = new URL(`../../examples/${example}/policy.yaml`, import.meta.url);
  const result = parsePolicy(readFileSync(path, 'utf8'), `${example}/policy.yaml`);
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('\n'));
  const rollout = result.policy.transitions.find((t) => t.to === 'production')?.rollout;
  if (!rollout) throw new Error(`${example} has no production rollout.`);
  return rollout;
}

export interface Simulation {
  state: RolloutState;
  effects: RolloutEffect[];
  /** `now` of each call, with the effects it produced. */
  log: { now: number; effects: RolloutEffect[] }[];
}

/**
 * Runs a rollout on simulated time: `traffic(from, to)` yields the points measured in each
 * scheduler interval (received at its end), and the scheduler calls advanceRollout every
 * `every` until `until` or a terminal state.
 */
export function simulate(input: {
  spec: RolloutSpec;
  until: number;
  every?: number;
  traffic: (from: number, to: number) => ObservationPoint[];
  driftBaselines?: Record<string, Float64Array>;
  /** Called after each scheduler run; may return an event-driven replacement state. */
  onRun?: (sim: Simulation, now: number) => RolloutState | undefined;
}): Simulation {
  const every = input.every ?? 5 * minute;
  const started = startRollout(input.spec, t0);
  const sim: Simulation = { state: started.state, effects: [...started.effects], log: [] };
  const points: ObservationPoint[] = [];
  for (let now = t0 + every; now <= t0 + input.until; now += every) {
    points.push(...input.traffic(now - every, now));
    const step = advanceRollout({
      spec: input.spec,
      state: sim.state,
      points,
      now,
      ...(input.driftBaselines && { driftBaselines: input.driftBaselines }),
    });
    sim.state = step.state;
    sim.effects.push(...step.effects);
    sim.log.push({ now, effects: step.effects });
    const replaced = input.onRun?.(sim, now);
    if (replaced) sim.state = replaced;
    if (['rolled_back', 'completed', 'aborted'].includes(sim.state.status)) break;
  }
  return sim;
}

/** Counts for one arm of one series over [from, to), measured at `from`, received at `to`. */
export function countPoint(input: {
  series: string;
  arm: 'candidate' | 'control';
  from: number;
  to: number;
  successes: number;
  trials: number;
}): ObservationPoint {
  return {
    series: input.series,
    arm: input.arm,
    at: input.from,
    receivedAt: input.to,
    successes: Math.round(input.successes),
    trials: Math.round(input.trials),
  };
}

export function effectsOf<T extends RolloutEffect['type']>(
  effects: RolloutEffect[],
  type: T,
): Extract<RolloutEffect, { type: T }>[] {
  return effects.filter((e): e is Extract<RolloutEffect, { type: T }> => e.type === type);
}
