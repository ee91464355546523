import { ClearanceError, invalidInput, type Policy, type Principal } from '../../domain/index.js';
import { reduceRollout } from '../../rollout/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { loadPolicy } from '../shared/load-policy.js';
import { changeModel } from '../shared/model-change.js';
import type { Repositories } from '../shared/ports.js';
import { applyRolloutEffects } from './apply-rollout-effects.js';
import { restoreRollbackTarget } from './move-version.js';
import { emitRollbackExecuted } from './rollback-event.js';

/** Roles that may roll a model back: whoever may promote to production, break-glass, admin. */
function rollbackRoles(policy: Policy): string[] {
  const promoters = policy.transitions
    .filter((t) => t.to === 'production')
    .flatMap((t) => t.requestedBy);
  return [...new Set([...promoters, ...(policy.changeTypes.emergency?.allowedBy ?? []), 'admin'])];
}

/** Restores the rollback target to production; the current production version is demoted. */
export async function rollback(
  deps: AppDeps,
  principal: Principal,
  input: { model: string; reason: string; ticket?: string },
): Promise<{ from?: string; to?: string }> {
  if (input.reason.trim() === '')
    throw invalidInput('The reason is empty.', 'Say why the model is rolled back.');
  const subject = { type: 'model', id: input.model };
  const opening = {
    principal,
    model: input.model,
    audit: { action: 'rollback', subject },
    authority: (policy: Policy) => ({ roles: rollbackRoles(policy), action: 'roll back' }),
  };
  return changeModel(deps, opening, async (tx, { model, policy }) => {
    const at = deps.clock.now().toISOString();
    const canary = await endCanary(deps, tx, {
      model: model.name,
      principal,
      reason: input.reason,
      ...(input.ticket !== undefined ? { ticket: input.ticket } : {}),
    });
    if (canary) {
      await tx.audit.append(
        auditRecord({
          actor: principal,
          time: at,
          action: 'rollback.executed',
          subject,
          reason: input.reason,
          ticket: input.ticket,
          digests: { policy: model.policyDigest },
          data: { ...canary, trigger: 'manual' },
        }),
      );
      return { from: canary.from, ...(canary.to !== null ? { to: canary.to } : {}) };
    }
    await assertInProduction(tx, model.name);
    const moved = await restoreRollbackTarget(tx, {
      policy,
      model: model.name,
      at,
      requireTarget: true,
    });
    await tx.audit.append(
      auditRecord({
        actor: principal,
        time: at,
        action: 'rollback.executed',
        subject,
        reason: input.reason,
        ticket: input.ticket,
        digests: { policy: model.policyDigest },
        data: { from: moved.from ?? null, to: moved.to ?? null, trigger: 'manual' },
      }),
    );
    if (moved.from !== undefined) {
      await emitRollbackExecuted(tx, deps, {
        at,
        model: model.name,
        version: moved.from,
        restoredVersion: moved.to,
        trigger: 'manual',
        reason: input.reason,
        by: principal,
      });
    }
    return moved;
  });
}

/**
 * During a canary, rolling back means taking the candidate out: the rollout ends as `aborted`
 * (serving keeps production, the control, and drops the canary; `rollout.aborted` audited and
 * `rollout.rolled_back` emitted) in the rollback's transaction, with the rollout row locked after
 * the model row as every rollout writer does. Windows due but undecided stay undecided: the
 * person's call supersedes them. Without a running or paused canary, nothing happens here.
 */
async function endCanary(
  deps: AppDeps,
  tx: Repositories,
  input: { model: string; principal: Principal; reason: string; ticket?: string },
): Promise<{ from: string; to: string | null; rolloutId: string } | undefined> {
  const [active] = await tx.rollouts.list({ model: input.model, status: ['running', 'paused'] });
  if (!active) return undefined;
  const rollout = await tx.rollouts.get(active.id, { forUpdate: true });
  if (!rollout) throw new Error(`rollout ${active.id} vanished under its model lock`);
  const step = reduceRollout(rollout.spec, rollout.state, {
    type: 'abort',
    at: deps.clock.now().getTime(),
    actor: input.principal.id,
    reason: `rolled back (clearance rollback): ${input.reason.trim()}`,
  });
  await applyRolloutEffects({
    deps,
    tx,
    policy: await loadPolicy(tx, rollout.policyDigest),
    rollout,
    actor: input.principal,
    step,
    ...(input.ticket !== undefined ? { manual: { ticket: input.ticket } } : {}),
  });
  return { from: rollout.version, to: rollout.controlVersion ?? null, rolloutId: rollout.id };
}

/**
 * A rollback undoes a promotion: it needs a version in production to replace. Once a governed
 * transition retired production, bringing an older version back is a new decision (a request
 * with its sign-offs), not a rollback.
 */
async function assertInProduction(tx: Repositories, model: string): Promise<void> {
  if ((await tx.versions.inState(model, 'production')).length > 0) return;
  const message = `Model ${model} has no version in production, so there is nothing to roll back.`;
  throw new ClearanceError('precondition_failed', message, {
    problems: [
      {
        message,
        fix: 'Request a transition to production for the version you want back; it needs its sign-offs.',
      },
    ],
  });
}
