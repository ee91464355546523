/**
 * A rollout's timeline as its page draws it: every decided window (both arms' values, the
 * threshold, the verdict and why) and every change of state, read from the audit log, where each
 * is written in the transaction that decided it. Same readers as the rollout itself.
 */
import { notFound, type Principal } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { loadPolicy } from '../shared/load-policy.js';
import { guardedRead } from '../shared/read-access.js';
import { type RolloutAction, rolloutActionsFor } from './rollout-access.js';

/** One decided window of one trigger, as `rollout.window_decided` logged it. */
export interface RolloutWindowView {
  seq: number;
  metric: string;
  /** Window bounds in ms since the epoch; `index` 0 is the first window after the start. */
  window: { index: number; start: number; end: number };
  verdict: string;
  basis: string;
  observed: Record<string, unknown>;
  op: string;
  threshold: number;
  explanation: string;
  decidedAt: string;
}

/** A change of the rollout's state (started, step, paused, resumed, rolled back, …). */
export interface RolloutEventView {
  seq: number;
  action: string;
  at: string;
  actor: string;
  reason?: string;
}

export interface RolloutTimeline {
  rolloutId: string;
  /** The manual actions the caller may take now (roles and status), for the page's buttons. */
  actions: Exclude<RolloutAction, 'observe'>[];
  windows: RolloutWindowView[];
  events: RolloutEventView[];
}

const eventActions = [
  'rollout.started',
  'rollout.step',
  'rollout.paused',
  'rollout.resumed',
  'rollout.aborted',
  'rollout.rolled_back',
  'rollout.completed',
  'rollback.executed',
] as const;

export async function rolloutTimeline(
  deps: AppDeps,
  principal: Principal,
  input: { rolloutId: string },
): Promise<RolloutTimeline> {
  const rollout = await deps.store.read((tx) => tx.rollouts.get(input.rolloutId));
  if (!rollout) {
    throw notFound(`Rollout ${input.rolloutId}`, 'List rollouts with GET /api/v1/rollouts.');
  }
  const subject = { type: 'rollout', id: rollout.id };
  return guardedRead(
    deps,
    {
      principal,
      action: 'rollout.read',
      subject,
      model: rollout.model,
      what: `rollout ${rollout.id}`,
    },
    async () => {
      const { entries, actions } = await deps.store.read(async (tx) => ({
        entries: await tx.audit.aboutSubject(subject, ['rollout.window_decided', ...eventActions]),
        actions: rolloutActionsFor(principal, await loadPolicy(tx, rollout.policyDigest), rollout),
      }));
      const windows: RolloutWindowView[] = [];
      const events: RolloutEventView[] = [];
      for (const entry of entries) {
        const data = entry.data;
        const at = typeof data.at === 'string' ? data.at : entry.time;
        if (entry.action !== 'rollout.window_decided') {
          events.push({
            seq: entry.seq,
            action: entry.action,
            at,
            actor: entry.actor.id,
            ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
          });
          continue;
        }
        windows.push({
          seq: entry.seq,
          metric: String(data.metric),
          window: data.window as RolloutWindowView['window'],
          verdict: String(data.verdict),
          basis: String(data.basis),
          observed: (data.observed ?? {}) as Record<string, unknown>,
          op: String(data.op),
          threshold: Number(data.threshold),
          explanation: String(data.explanation ?? ''),
          decidedAt: at,
        });
      }
      return { rolloutId: rollout.id, actions, windows, events };
    },
  );
}
