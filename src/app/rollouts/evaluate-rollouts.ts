/**
 * Brings rollouts up to the clock: `advanceRollout` decides every window that is due and runs the
 * steps, and the effects are carried out with the model row and the rollout row locked (a sweep
 * takes up to 100 rollouts per transaction) — so a sweep, an ingestion and a manual action on one
 * rollout queue behind each other, and a window is decided once however many servers evaluate.
 */
import { type Actor, notFound, type Policy } from '../../domain/index.js';
import {
  advanceRollout,
  hasDueWork,
  isTerminal,
  type ObservationPoint,
} from '../../rollout/index.js';
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
 * take the same lock, in the same order). `admit` judges the rollout as first read, before any
 * lock is taken.
 */
export async function lockRollout(
  tx: Repositories,
  rolloutId: string,
  admit?: (seen: RolloutRecord) => void,
): Promise<RolloutRecord> {
  const seen = await tx.rollouts.get(rolloutId);
  if (!seen) throw notFound(`Rollout ${rolloutId}`, 'List rollouts with GET /api/v1/rollouts.');
  admit?.(seen);
  return lockSeen(tx, seen);
}

/** `lockRollout` for a rollout already read (its model never changes): one read fewer. */
async function lockSeen(tx: Repositories, seen: RolloutRecord): Promise<RolloutRecord> {
  await loadModel(tx, seen.model, { forUpdate: true });
  const rollout = await tx.rollouts.get(seen.id, { forUpdate: true });
  if (!rollout) throw new Error(`rollout ${seen.id} vanished under its model lock`);
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
  input: {
    rollout: RolloutRecord;
    now: Date;
    actor?: Actor;
    /** Its stored points when the caller read them already (a sweep reads a chunk's at once). */
    points?: readonly ObservationPoint[];
    /** Policies already loaded in this transaction, by digest (a sweep's chunk shares them). */
    policies?: Map<string, Policy>;
  },
): Promise<RolloutRecord> {
  const { rollout } = input;
  if (isTerminal(rollout.state.status)) return rollout;
  const step = advanceRollout({
    spec: rollout.spec,
    state: rollout.state,
    points: input.points ?? (await tx.rollouts.points(rollout.id)),
    now: input.now.getTime(),
    driftBaselines: baselinesOf(rollout),
  });
  // Without effects only the clock moved; the reducer recomputes that from the stored state.
  if (step.effects.length === 0) return rollout;
  const policy =
    input.policies?.get(rollout.policyDigest) ?? (await loadPolicy(tx, rollout.policyDigest));
  input.policies?.set(rollout.policyDigest, policy);
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

/** Rollouts advanced per transaction: one commit (one fsync on SQLite) per chunk, not per rollout. */
const sweepChunk = 100;

interface SweepItem {
  /** Position in the list of active rollouts, so outcomes keep its order. */
  index: number;
  seen: RolloutRecord;
  pulled: KpiPullOutcome;
}

function outcomeOf(item: SweepItem, status: RolloutRecord['state']['status']): SweepOutcome {
  const { problems } = item.pulled;
  return {
    rolloutId: item.seen.id,
    status,
    ...(problems.length > 0 ? { pullProblems: problems } : {}),
  };
}

/**
 * One transaction over a chunk: every rollout locked first (model rows in name order, as the
 * chunk is sorted, so two sweeping servers cannot deadlock), pulled KPIs stored, the chunk's
 * points read in one query, then each rollout advanced.
 */
async function advanceChunk(
  deps: AppDeps,
  chunk: readonly SweepItem[],
  now: Date,
): Promise<SweepOutcome[]> {
  return deps.store.transaction(async (tx) => {
    const locked: RolloutRecord[] = [];
    for (const item of chunk) {
      const rollout = await lockSeen(tx, item.seen);
      for (const pulled of item.pulled.chunks) {
        // A chunk another server stored first is the same pull: adding it again is a no-op.
        await tx.rollouts.addBatch({
          rolloutId: rollout.id,
          ...pulled,
          receivedAt: now.toISOString(),
        });
      }
      locked.push(rollout);
    }
    const live = locked.filter((r) => !isTerminal(r.state.status)).map((r) => r.id);
    const points = await tx.rollouts.pointsOf(live);
    const outcomes: SweepOutcome[] = [];
    const policies = new Map<string, Policy>();
    for (const [k, rollout] of locked.entries()) {
      const after = await advanceLocked(deps, tx, {
        rollout,
        now,
        points: points.get(rollout.id) ?? [],
        policies,
      });
      outcomes.push(outcomeOf(chunk[k]!, after.state.status));
    }
    return outcomes;
  });
}

/**
 * Advances every running or paused rollout. Those with nothing due (no window to decide, no step,
 * no KPIs pulled) are not touched; the others go in chunks of `sweepChunk`, one transaction each.
 * A chunk that fails is retried one rollout per transaction, so one bad rollout holds up no
 * other; throws after the sweep if any failed, so the job is retried.
 */
export async function evaluateRollouts(
  deps: AppDeps,
  input: { now?: Date } = {},
): Promise<SweepOutcome[]> {
  const now = input.now ?? deps.clock.now();
  const active = await deps.store.read((tx) => tx.rollouts.list({ status: ['running', 'paused'] }));
  const outcomes: { index: number; outcome: SweepOutcome }[] = [];
  const failures: unknown[] = [];
  const due: SweepItem[] = [];
  for (const [index, seen] of active.entries()) {
    try {
      // KPIs from the policy's sources are read before the transaction: no lock waits on the network.
      const item = { index, seen, pulled: await pullDueKpis(deps, seen, now) };
      const idle =
        item.pulled.chunks.length === 0 &&
        !hasDueWork({ spec: seen.spec, state: seen.state, now: now.getTime() });
      if (idle) outcomes.push({ index, outcome: outcomeOf(item, seen.state.status) });
      else due.push(item);
    } catch (error) {
      failures.push(error);
    }
  }
  due.sort((a, b) => compare(a.seen.model, b.seen.model) || compare(a.seen.id, b.seen.id));
  for (let i = 0; i < due.length; i += sweepChunk) {
    const chunk = due.slice(i, i + sweepChunk);
    try {
      const done = await advanceChunk(deps, chunk, now);
      for (const [k, outcome] of done.entries()) {
        outcomes.push({ index: chunk[k]!.index, outcome });
      }
    } catch (chunkError) {
      if (chunk.length === 1) {
        failures.push(chunkError);
        continue;
      }
      for (const item of chunk) {
        try {
          const [outcome] = await advanceChunk(deps, [item], now);
          if (outcome) outcomes.push({ index: item.index, outcome });
        } catch (error) {
          failures.push(error);
        }
      }
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, `${failures.length} rollout(s) could not be evaluated`);
  }
  return outcomes.sort((a, b) => a.index - b.index).map((o) => o.outcome);
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
