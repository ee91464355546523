/**
 * Carries out what the rollout reducer decided, in the caller's transaction with the model row
 * and the rollout row locked: serving changes, one audit entry per effect (window verdicts with
 * their raw values, pauses, steps, the rollback with its trigger, window and statistic) and the
 * outbox events of the state changes. The rollout row is written last with the new state.
 */
import type { Actor, Policy, ServingView } from '../../domain/index.js';
import type { RolloutEffect, Transition } from '../../rollout/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { type AuditFacts, auditRecord } from '../shared/audit-record.js';
import { emit } from '../shared/emit-event.js';
import type { Repositories } from '../shared/ports.js';
import type { RolloutRecord } from '../shared/rollout-ports.js';
import { moveVersion } from './move-version.js';
import { rolloutSummary } from './start-canary.js';

interface EffectContext {
  deps: Pick<AppDeps, 'ids' | 'clock'>;
  tx: Repositories;
  policy: Policy;
  rollout: RolloutRecord;
  actor: Actor;
  /** When the effects are written: every entry and state change of one application shares it. */
  writtenAt: string;
  /** A person's action: their reason and ticket go in the entry of the effect they caused. */
  manual?: { reason?: string; ticket?: string };
}

const iso = (ms: number) => new Date(ms).toISOString();

function withoutCanary(view: ServingView): ServingView {
  const { canary: _, ...rest } = view;
  return rest;
}

async function audit(
  context: EffectContext,
  input: {
    at: number;
    action: AuditFacts['action'];
    reason?: string;
    ticket?: string;
    data: Record<string, unknown>;
  },
): Promise<void> {
  const { rollout } = context;
  await context.tx.audit.append(
    auditRecord({
      actor: context.actor,
      // Entries are stamped when written (the log's times never go back); `at` is when it happened.
      time: context.writtenAt,
      action: input.action,
      subject: { type: 'rollout', id: rollout.id },
      reason: input.reason,
      ticket: input.ticket,
      digests: { policy: rollout.policyDigest },
      data: { model: rollout.model, version: rollout.version, at: iso(input.at), ...input.data },
    }),
  );
}

function eventSubject(rollout: RolloutRecord) {
  return {
    model: rollout.model,
    version: rollout.version,
    requestId: rollout.requestId,
    rolloutId: rollout.id,
  };
}

/** Takes the canary out of serving: production stays what it was (the control). */
async function dropCanary(context: EffectContext): Promise<void> {
  const serving = await context.tx.serving.get(context.rollout.model);
  await context.tx.serving.set(withoutCanary(serving));
}

function restored(rollout: RolloutRecord): { restoredVersion?: string } {
  return rollout.controlVersion !== undefined ? { restoredVersion: rollout.controlVersion } : {};
}

function manualTicket(context: EffectContext): { ticket?: string } {
  const ticket = context.manual?.ticket;
  return ticket !== undefined ? { ticket } : {};
}

async function windowDecided(
  context: EffectContext,
  effect: Extract<RolloutEffect, { type: 'windowDecided' }>,
): Promise<void> {
  const { result, status } = effect;
  await audit(context, {
    at: result.decidedAt,
    action: 'rollout.window_decided',
    data: {
      metric: result.metric,
      window: result.window,
      verdict: result.verdict,
      basis: result.basis,
      triggerStatus: status,
      observed: result.observed,
      op: result.op,
      threshold: result.threshold,
      explanation: result.explanation,
    },
  });
}

async function paused(
  context: EffectContext,
  effect: Extract<RolloutEffect, { type: 'paused' }>,
): Promise<void> {
  const reason =
    effect.cause === 'manual'
      ? (context.manual?.reason ?? `Paused by ${effect.actor ?? 'a person'}.`)
      : `Inconclusive: ${effect.metrics.join(', ')} had too few samples; a person decides.`;
  await audit(context, {
    at: effect.at,
    action: 'rollout.paused',
    reason,
    ...(effect.cause === 'manual' ? manualTicket(context) : {}),
    data: { cause: effect.cause, metrics: effect.metrics },
  });
  await emit(context.tx, context.deps, {
    type: 'rollout.paused',
    subject: eventSubject(context.rollout),
    data: {
      rollout: rolloutSummary(context.rollout),
      reason,
      ...(effect.metrics[0] !== undefined ? { trigger: effect.metrics[0] } : {}),
    },
  });
}

async function rolledBack(
  context: EffectContext,
  effect: Extract<RolloutEffect, { type: 'rolledBack' }>,
): Promise<void> {
  const { rollout } = context;
  await dropCanary(context);
  const reason = `Rolled back: ${effect.explanation}`;
  await audit(context, {
    at: effect.at,
    action: 'rollout.rolled_back',
    reason,
    data: {
      cause: effect.cause,
      trigger: effect.metric,
      window: effect.window,
      statistic: effect.statistic,
      observed: effect.observed,
      metrics: effect.metrics,
      restored: rollout.controlVersion ?? null,
    },
  });
  await emit(context.tx, context.deps, {
    type: 'rollout.rolled_back',
    subject: eventSubject(rollout),
    data: {
      rollout: { ...rolloutSummary(rollout), traffic: 0 },
      reason,
      trigger: effect.metric,
      ...restored(rollout),
    },
  });
}

async function aborted(
  context: EffectContext,
  effect: Extract<RolloutEffect, { type: 'aborted' }>,
): Promise<void> {
  const { rollout } = context;
  await dropCanary(context);
  const reason = `Aborted by ${effect.actor}${effect.reason ? `: ${effect.reason}` : '.'}`;
  await audit(context, {
    at: effect.at,
    action: 'rollout.aborted',
    reason,
    ...manualTicket(context),
    data: { restored: rollout.controlVersion ?? null },
  });
  // Receivers see traffic leave the candidate either way; `reason` says a person ended it.
  await emit(context.tx, context.deps, {
    type: 'rollout.rolled_back',
    subject: eventSubject(rollout),
    data: { rollout: { ...rolloutSummary(rollout), traffic: 0 }, reason, ...restored(rollout) },
  });
}

async function completed(
  context: EffectContext,
  effect: Extract<RolloutEffect, { type: 'completed' }>,
): Promise<void> {
  const { rollout } = context;
  // moveVersion writes a serving view without the canary: the candidate is production now.
  const moved = await moveVersion(context.tx, {
    policy: context.policy,
    model: rollout.model,
    version: rollout.version,
    from: rollout.from,
    to: 'production',
    requestId: rollout.requestId,
    at: context.writtenAt,
  });
  const reason = effect.cause === 'promoted' ? context.manual?.reason : undefined;
  await audit(context, {
    at: effect.at,
    action: 'rollout.completed',
    ...(reason !== undefined ? { reason } : {}),
    ...(effect.cause === 'promoted' ? manualTicket(context) : {}),
    data: { cause: effect.cause, from: rollout.from, demoted: moved.demoted ?? null },
  });
  await emit(context.tx, context.deps, {
    type: 'rollout.completed',
    subject: eventSubject(rollout),
    data: { rollout: { ...rolloutSummary(rollout), traffic: 1 } },
  });
}

async function applyEffect(context: EffectContext, effect: RolloutEffect): Promise<void> {
  const { tx, rollout } = context;
  switch (effect.type) {
    case 'windowDecided':
      return windowDecided(context, effect);
    case 'trafficChanged': {
      const serving = await tx.serving.get(rollout.model);
      const since = serving.canary?.since ?? iso(effect.at);
      await tx.serving.set({
        ...serving,
        canary: { version: rollout.version, traffic: effect.to, since },
      });
      return audit(context, {
        at: effect.at,
        action: 'rollout.step',
        data: { step: effect.step, from: effect.from, to: effect.to },
      });
    }
    case 'paused':
      return paused(context, effect);
    case 'resumed':
      return audit(context, {
        at: effect.at,
        action: 'rollout.resumed',
        ...(context.manual?.reason !== undefined ? { reason: context.manual.reason } : {}),
        ...manualTicket(context),
        data: {},
      });
    case 'rolledBack':
      return rolledBack(context, effect);
    case 'aborted':
      return aborted(context, effect);
    case 'completed':
      return completed(context, effect);
  }
}

/** Applies `step` to `rollout` and stores its new state; returns the rollout as stored. */
export async function applyRolloutEffects(
  input: Omit<EffectContext, 'writtenAt'> & { step: Transition },
): Promise<RolloutRecord> {
  const { step } = input;
  const context: EffectContext = { ...input, writtenAt: input.deps.clock.now().toISOString() };
  let rollout = context.rollout;
  for (const effect of step.effects) {
    // Summaries read the traffic of the moment the effect happened.
    if (effect.type === 'trafficChanged') {
      rollout = { ...rollout, state: { ...rollout.state, traffic: effect.to } };
    }
    await applyEffect({ ...context, rollout }, effect);
  }
  const updated: RolloutRecord = {
    ...rollout,
    state: step.state,
    updatedAt: context.writtenAt,
  };
  await context.tx.rollouts.update(updated);
  return updated;
}
