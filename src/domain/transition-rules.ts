/**
 * Whether a transition may be requested at all: the policy has it, the change type allows it, the
 * requester holds a role that may ask, and the ticket and reason follow the transition's rules.
 * Pure checks returning values; the use cases turn a refusal into a ClearanceError.
 */
import type { ErrorCode } from './errors.js';
import { cachedLinearRegex } from './linear-regex.js';
import type { Policy, TransitionPolicy } from './policy.js';
import type { ChangeType } from './registry.js';

export interface TransitionRefusal {
  code: Extract<ErrorCode, 'forbidden' | 'invalid_input' | 'precondition_failed'>;
  message: string;
  fix: string;
}

export type TransitionCheck =
  | { ok: true; transition: TransitionPolicy }
  | { ok: false; refusal: TransitionRefusal };

export interface TransitionRequestInput {
  policy: Policy;
  from: string;
  to: string;
  changeType: ChangeType;
  /** Roles the requester holds for this model. */
  roles: readonly string[];
  reason: string;
  ticket?: string;
}

/** The policy's transition `from → to`, or a refusal listing the transitions it does have. */
export function checkTransitionExists(policy: Policy, from: string, to: string): TransitionCheck {
  const found = policy.transitions.find((t) => t.from === from && t.to === to);
  if (found) return { ok: true, transition: found };
  const known = policy.transitions.map((t) => `${t.from} → ${t.to}`).join(', ') || 'none';
  return refuse(
    'precondition_failed',
    `Policy ${policy.metadata.name} has no transition ${from} → ${to}.`,
    `Request one of the transitions it defines: ${known}.`,
  );
}

/** True when `state` comes after `limit` in the policy's state order. */
export function isPastState(policy: Policy, state: string, limit: string): boolean {
  const order = policy.states;
  const at = order.indexOf(state);
  const max = order.indexOf(limit);
  return max >= 0 && at > max;
}

/** Experiments stop at `maxState`; emergencies need the policy to define them. */
function checkChangeType(
  policy: Policy,
  to: string,
  changeType: ChangeType,
): { ok: false; refusal: TransitionRefusal } | undefined {
  if (changeType === 'experiment') {
    const experiment = policy.changeTypes.experiment;
    if (!experiment) {
      return refuse(
        'invalid_input',
        `Policy ${policy.metadata.name} defines no experiment change type.`,
        'Request a standard change, or add changeTypes.experiment to the policy.',
      );
    }
    // Production only as a canary, and only when the policy caps the canary's share.
    const past =
      to === 'production'
        ? experiment.maxCanaryTraffic === undefined
        : isPastState(policy, to, experiment.maxState);
    if (past) {
      return refuse(
        'invalid_input',
        `An experiment may go no further than ${experiment.maxState}; ${to} is past it.`,
        'Request a standard change to reach full production, or set changeTypes.experiment.maxCanaryTraffic to allow an experiment a canary.',
      );
    }
  }
  if (changeType === 'emergency' && !policy.changeTypes.emergency) {
    return refuse(
      'invalid_input',
      `Policy ${policy.metadata.name} defines no emergency change type.`,
      'Request a standard change, or add changeTypes.emergency to the policy.',
    );
  }
  return undefined;
}

/** Standard and experiment requests need a `requestedBy` role; emergencies need `allowedBy`. */
function checkRequester(input: {
  policy: Policy;
  transition: TransitionPolicy;
  changeType: ChangeType;
  roles: readonly string[];
}): TransitionRefusal | undefined {
  const { policy, transition, changeType, roles } = input;
  const allowed =
    changeType === 'emergency'
      ? (policy.changeTypes.emergency?.allowedBy ?? [])
      : transition.requestedBy;
  if (allowed.some((role) => roles.includes(role))) return undefined;
  const what = changeType === 'emergency' ? 'an emergency change' : 'this transition';
  return refuse(
    'forbidden',
    `Requesting ${what} (${transition.from} → ${transition.to}) needs one of the roles ${allowed.join(', ') || '(none)'}.`,
    'Ask someone who holds one of them, or ask an admin to grant you the role for this model.',
  ).refusal;
}

/** The transition's ticket rule: required, and matching its pattern when one is set. */
export function checkTicket(
  transition: TransitionPolicy,
  ticket: string | undefined,
): TransitionRefusal | undefined {
  const rule = transition.ticket;
  if (ticket === undefined || ticket === '') {
    if (!rule.required) return undefined;
    return refuse(
      'invalid_input',
      `A ticket ID is required for ${transition.from} → ${transition.to}.`,
      rule.pattern ? `Pass a ticket matching ${rule.pattern}.` : 'Pass the change ticket ID.',
    ).refusal;
  }
  if (!rule.pattern) return undefined;
  const pattern = cachedLinearRegex(rule.pattern);
  if (!pattern.ok) {
    // Policies are validated when registered; this catches one stored before patterns were RE2.
    return refuse(
      'precondition_failed',
      `The ticket pattern ${rule.pattern} for ${transition.from} → ${transition.to} ${pattern.reason}.`,
      `Register a policy version whose ticket pattern is fixed: ${pattern.fix}`,
    ).refusal;
  }
  if (!pattern.regex.test(ticket)) {
    return refuse(
      'invalid_input',
      `Ticket "${ticket}" does not match ${rule.pattern} for ${transition.from} → ${transition.to}.`,
      `Pass a ticket ID matching ${rule.pattern}.`,
    ).refusal;
  }
  return undefined;
}

/** A reason is required unless the transition waives it; emergencies always need one. */
function checkReason(
  transition: TransitionPolicy,
  changeType: ChangeType,
  reason: string,
): TransitionRefusal | undefined {
  const required = transition.reasonRequired || changeType === 'emergency';
  if (!required || reason.trim().length > 0) return undefined;
  return refuse(
    'invalid_input',
    `A reason is required for ${transition.from} → ${transition.to}.`,
    'Say in a sentence why this change is needed.',
  ).refusal;
}

/**
 * What the policy alone decides about a change of `changeType` over `from → to`: the transition
 * exists, the change type may take it, and an experiment reaches production only as a canary.
 * `clearance check` applies exactly these; a request adds the requester's own checks.
 */
export function checkChangeOnTransition(
  policy: Policy,
  from: string,
  to: string,
  changeType: ChangeType,
): TransitionCheck {
  const found = checkTransitionExists(policy, from, to);
  if (!found.ok) return found;
  const typeRefusal = checkChangeType(policy, to, changeType);
  if (typeRefusal) return typeRefusal;
  if (changeType === 'experiment' && to === 'production' && !hasCanary(found.transition)) {
    return refuse(
      'invalid_input',
      `An experiment reaches production only as a canary, and ${from} → production has no rollout.`,
      'Request a standard change, or give the transition a rollout (canary steps).',
    );
  }
  return found;
}

/** Every check, in the order a requester would fix them. */
export function checkTransitionRequest(input: TransitionRequestInput): TransitionCheck {
  const { policy, from, to, changeType } = input;
  const found = checkChangeOnTransition(policy, from, to, changeType);
  if (!found.ok) return found;
  const { transition } = found;
  const refusal =
    checkRequester({ policy, transition, changeType, roles: input.roles }) ??
    checkTicket(transition, input.ticket) ??
    checkReason(transition, changeType, input.reason);
  return refusal ? { ok: false, refusal } : found;
}

function hasCanary(transition: TransitionPolicy): boolean {
  return (transition.rollout?.steps.length ?? 0) > 0;
}

function refuse(
  code: TransitionRefusal['code'],
  message: string,
  fix: string,
): { ok: false; refusal: TransitionRefusal } {
  return { ok: false, refusal: { code, message, fix } };
}
