/**
 * Brings rollouts up to the clock: `advanceRollout` decides every window that is due and runs the
 * steps, and the effects are carried out in one transaction per rollout, with the model row and
 * the rollout row locked — so a sweep, an ingestion and a manual action on one rollout queue
 * behind each other, and a window is decided once however many servers evaluate.
 */
import { type Actor, notFound } from '../../domain/index.js';
import { advanceRollout, isTerminal } from '../../rollout/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { systemActor } from '../shared/audit-record.js';
import { loadModel, loadPolicy } from '../shared/load-policy.js';
import type { Repositories } from '../shared/ports.js';
import type { RolloutRecord } from '../shared/rollout-ports.js';
import { applyRolloutEffects } from '../transitions/apply-rollout-effects.js';
import { type KpiPullOutcome, pullDueKpis } from './pull-kpis.js';

const evaluator = systemActor('rollout-evaluate');

/**
 * The rollout, locked, with its model row locked first (promotions and rollbacks of the model
 * take the same lock, in the same order).
 */
export async function lockRollout(tx: Repositories, rolloutId: string): Promise<RolloutRecord> {
  const seen = await tx.rollouts.get(rolloutId);
  if (!seen) throw notFound(`Rollout ${rolloutId}`, 'List rollouts with GET /api/v1/rollouts.');
  await loadModel(tx, seen.model, { forUpdate: true });
  const rollout = await tx.rollouts.get(rolloutId, { forUpdate: true });
  if (!rollout) throw new Error(`rollout ${rolloutId} vanished under its model lock`);
  return rollout;
}

function baselinesOf(rollout: RolloutRecord): Record<string, Float64Array> {
  return Object.fromEntries(
    Object.entries(rollout.baselines).map(([series, values]) => [
      series,
      Float64Array.from(values),
    ]),
  );
}

/** Advances one locked rollout to `now` in the caller's transaction; returns it as stored. */
export async function advanceLocked(
  deps: AppDeps,
  tx: Repositories,
  input: { rollout: RolloutRecord; now: Date; actor?: Actor },
): Promise<RolloutRecord> {
  const { rollout } = input;
  if (isTerminal(rollout.state.status)) return rollout;
  const step = advanceRollout({
    spec: rollout.spec,
    state: rollout.state,
    points: await tx.rollouts.points(rollout.id),
    now: input.now.getTime(),
    driftBaselines: baselinesOf(rollout),
  });
  // Without effects only the clock moved; the reducer recomputes that from the stored state.
  if (step.effects.length === 0) return rollout;
  const policy = await loadPolicy(tx, rollout.policyDigest);
  return applyRolloutEffects({
    deps,
    tx,
    policy,
    rollout,
    actor: input.actor ?? evaluator,
    step,
  });
}

export interface SweepOutcome {
  rolloutId: string;
  status: RolloutRecord['state']['status'];
  /** Series the KPI source could not read in this sweep (for the server log). */
  pullProblems?: KpiPullOutcome['problems'];
}

/**
 * Advances every running or paused rollout, each in its own transaction (one failure holds up
 * no other); throws after the sweep if any failed, so the job is retried.
 */
export async function evaluateRollouts(
  deps: AppDeps,
  input: { now?: Date } = {},
): Promise<SweepOutcome[]> {
  const now = input.now ?? deps.clock.now();
  const active = await deps.store.read((tx) => tx.rollouts.list({ status: ['running', 'paused'] }));
  const outcomes: SweepOutcome[] = [];
  const failures: unknown[] = [];
  for (const seen of active) {
    const { id } = seen;
    try {
      // KPIs from the policy's sources are read before the transaction: no lock waits on the network.
      const pulled = await pullDueKpis(deps, seen, now);
      const after = await deps.store.transaction(async (tx) => {
        const rollout = await lockRollout(tx, id);
        for (const chunk of pulled.chunks) {
          // A chunk another server stored first is the same pull: adding it again is a no-op.
          await tx.rollouts.addBatch({ rolloutId: id, ...chunk, receivedAt: now.toISOString() });
        }
        return advanceLocked(deps, tx, { rollout, now });
      });
      outcomes.push({
        rolloutId: id,
        status: after.state.status,
        ...(pulled.problems.length > 0 ? { pullProblems: pulled.problems } : {}),
      });
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, `${failures.length} rollout(s) could not be evaluated`);
  }
  return outcomes;
}
