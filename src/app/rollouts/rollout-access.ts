/**
 * Who may act on a rollout, read from the policy it started under (its production transition):
 * - report KPIs: whoever may request the promotion (the pipeline runs as one of them), or admin;
 * - stop it (pause, abort): whoever may request or approve the promotion, break-glass, admin —
 *   anyone answerable for it may stop the canary;
 * - move it on (resume, promote now): the promotion's approver roles, or admin — going on or
 *   skipping the rest of the canary is the sign-off's call (the requesters when it has none).
 */
import type { Policy, Principal, TransitionPolicy } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { assertAnyRole, guarded, hasAnyRole } from '../shared/authorise.js';
import { loadPolicy } from '../shared/load-policy.js';
import type { Repositories } from '../shared/ports.js';
import { assertMayReadModel } from '../shared/read-access.js';
import type { RolloutRecord } from '../shared/rollout-ports.js';
import { lockRollout } from './evaluate-rollouts.js';

export type RolloutAction = 'observe' | 'pause' | 'resume' | 'abort' | 'promote';

function transitionOf(policy: Policy, rollout: RolloutRecord): TransitionPolicy | undefined {
  return policy.transitions.find((t) => t.from === rollout.from && t.to === 'production');
}

function rolloutRoles(policy: Policy, rollout: RolloutRecord, action: RolloutAction): string[] {
  const transition = transitionOf(policy, rollout);
  const requesters = transition?.requestedBy ?? [];
  const approvers = transition?.approvals.map((a) => a.role) ?? [];
  const roles =
    action === 'observe'
      ? requesters
      : action === 'pause' || action === 'abort'
        ? [...requesters, ...approvers, ...(policy.changeTypes.emergency?.allowedBy ?? [])]
        : approvers.length > 0
          ? approvers
          : requesters;
  return [...new Set([...roles, 'admin'])];
}

/**
 * The manual actions the principal may take on the rollout now: its roles allow them (as
 * `actOnRollout` checks) and the rollout's status admits them (pause a running one, resume a
 * paused one, abort or promote either), so a page shows exactly those buttons.
 */
export function rolloutActionsFor(
  principal: Principal,
  policy: Policy,
  rollout: RolloutRecord,
): Exclude<RolloutAction, 'observe'>[] {
  const status = rollout.state.status;
  const admitted = {
    pause: status === 'running',
    resume: status === 'paused',
    abort: status === 'running' || status === 'paused',
    promote: status === 'running' || status === 'paused',
  } as const;
  return (['pause', 'resume', 'abort', 'promote'] as const).filter(
    (action) =>
      admitted[action] &&
      hasAnyRole(principal, rollout.model, rolloutRoles(policy, rollout, action)),
  );
}

/**
 * A guarded transaction on one rollout: model row and rollout row locked, the principal checked
 * against the roles of `action`; a refusal is audited as `access.denied`.
 */
export function actOnRollout<T>(
  deps: AppDeps,
  input: { principal: Principal; rolloutId: string; action: RolloutAction },
  run: (tx: Repositories, opened: { rollout: RolloutRecord; policy: Policy }) => Promise<T>,
): Promise<T> {
  const { principal, rolloutId, action } = input;
  const subject = { type: 'rollout', id: rolloutId };
  return guarded(deps, { actor: principal, action: `rollout.${action}`, subject }, () =>
    deps.store.transaction(async (tx) => {
      // Before its model is locked, its policy read or its state told (ADR 040).
      const rollout = await lockRollout(tx, rolloutId, (seen) =>
        assertMayReadModel({ principal, model: seen.model, what: `rollout ${rolloutId}` }),
      );
      const policy = await loadPolicy(tx, rollout.policyDigest);
      assertAnyRole({
        principal,
        model: rollout.model,
        roles: rolloutRoles(policy, rollout, action),
        action:
          action === 'observe'
            ? `post observations to rollout ${rolloutId}`
            : `${action} rollout ${rolloutId}`,
      });
      return run(tx, { rollout, policy });
    }),
  );
}
