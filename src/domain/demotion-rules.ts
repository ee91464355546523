/**
 * Where a version goes when it leaves production without a request of its own, and where it must
 * still be for a rollback to restore it. `moveVersion`, `restoreRollbackTarget` and the audit
 * replay all read these, so the database and the replayed log cannot disagree about a state.
 */
import type { Policy } from './policy.js';

/**
 * The states a replaced production version is left in: `deprecated` when the policy has it, else
 * the states promotions to production start from (in the policy's order).
 */
export function rollbackTargetStates(policy: Policy): string[] {
  if (policy.states.includes('deprecated')) return ['deprecated'];
  return [...new Set(policy.transitions.filter((t) => t.to === 'production').map((t) => t.from))];
}

/** A production version replaced by a promotion from `from`: `deprecated`, else `from`. */
export function demotedOnPromotion(policy: Policy, from: string): string {
  return policy.states.includes('deprecated') ? 'deprecated' : from;
}

/**
 * The production version a rollback takes out: `deprecated`, else the first state a promotion to
 * production starts from, so it lands in a declared state that a request can move on from. A
 * policy with neither (production reached by import only) leaves it in its first other state.
 */
export function demotedOnRollback(policy: Policy): string {
  const [first] = rollbackTargetStates(policy);
  if (first !== undefined) return first;
  return policy.states.find((s) => s !== 'production') ?? 'deprecated';
}
