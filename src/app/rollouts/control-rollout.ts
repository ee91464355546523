/** Manual actions on a rollout: pause, resume, abort, promote now — each role-checked and audited. */
import { ClearanceError, invalidInput, type Policy, type Principal } from '../../domain/index.js';
import { checkTicket } from '../../domain/transition-rules.js';
import { isTerminal, reduceRollout } from '../../rollout/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import type { RolloutRecord } from '../shared/rollout-ports.js';
import { applyRolloutEffects } from '../transitions/apply-rollout-effects.js';
import { advanceLocked } from './evaluate-rollouts.js';
import { actOnRollout } from './rollout-access.js';
import { type RolloutView, rolloutActions, rolloutView } from './rollout-view.js';

export interface RolloutActionInput {
  rolloutId: string;
  action: 'pause' | 'resume' | 'abort' | 'promote';
  reason?: string;
  /** The change ticket; required to abort or promote when the promotion's transition requires one. */
  ticket?: string;
}

const allowedFrom: Record<RolloutActionInput['action'], readonly string[]> = {
  pause: ['running'],
  resume: ['paused'],
  abort: ['running', 'paused'],
  promote: ['running', 'paused'],
};

/**
 * Brings the rollout up to now first (a window due before the action is decided before it, so a
 * resume cannot skip a breach), then applies the action. An action that does not apply in the
 * rollout's state is `precondition_failed` and changes nothing.
 */
export async function controlRollout(
  deps: AppDeps,
  principal: Principal,
  input: RolloutActionInput,
): Promise<RolloutView> {
  const reason = input.reason?.trim();
  if (input.action === 'abort' && !reason) {
    throw invalidInput('The reason is empty.', 'Say why the rollout is aborted.');
  }
  return actOnRollout(deps, { principal, ...input }, async (tx, { rollout, policy }) => {
    const now = deps.clock.now();
    const current = await advanceLocked(deps, tx, { rollout, now });
    const status = current.state.status;
    if (!allowedFrom[input.action].includes(status)) {
      const message = `Rollout ${rollout.id} is ${status}; ${input.action} applies to a ${allowedFrom[input.action].join(' or ')} rollout.`;
      const fix = isTerminal(status)
        ? 'It has ended; start a new promotion request to try again.'
        : `Use ${status === 'paused' ? 'resume' : 'pause'} instead.`;
      throw new ClearanceError('precondition_failed', message, { problems: [{ message, fix }] });
    }
    if (input.action === 'promote' && current.state.experiment) {
      const message = `Rollout ${rollout.id} is an experiment's canary (at most ${current.state.traffic}% of traffic); an experiment never reaches full production.`;
      const fix = `Abort it when the experiment is over; to release ${rollout.model}@${rollout.version}, request a standard promotion.`;
      throw new ClearanceError('precondition_failed', message, { problems: [{ message, fix }] });
    }
    const ticket = input.ticket?.trim() || undefined;
    if (input.action === 'abort' || input.action === 'promote') {
      assertTicket(policy, current, ticket);
    }
    const at = now.getTime();
    const event =
      input.action === 'abort'
        ? { type: 'abort' as const, at, actor: principal.id, ...(reason ? { reason } : {}) }
        : { type: input.action, at, actor: principal.id };
    const step = reduceRollout(current.spec, current.state, event);
    const after = await applyRolloutEffects({
      deps,
      tx,
      policy,
      rollout: current,
      actor: principal,
      step,
      manual: {
        ...(reason ? { reason } : {}),
        ...(ticket !== undefined ? { ticket } : {}),
      },
    });
    return rolloutView(after, await rolloutActions(tx, after.id));
  });
}

/**
 * Ending a canary either way (abort, promote now) carries the ticket rule of the promotion it
 * ends: its transition's `ticket` (required, pattern), as the promotion's request did.
 */
function assertTicket(policy: Policy, rollout: RolloutRecord, ticket: string | undefined): void {
  const transition = policy.transitions.find(
    (t) => t.from === rollout.from && t.to === 'production',
  );
  const refusal = transition ? checkTicket(transition, ticket) : undefined;
  if (!refusal) return;
  throw new ClearanceError(refusal.code, refusal.message, {
    problems: [{ message: refusal.message, fix: refusal.fix }],
  });
}
