import type { ErrorCode } from '../domain/index.js';

/** `clearance check` and friends: 0 allowed, 1 denied (a gate failed or errored), 2 bad input. */
export const exitCodes = { ok: 0, denied: 1, badInput: 2, internal: 3 } as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'invalid_input':
    case 'invalid_policy':
    case 'invalid_evidence':
    case 'not_found':
    case 'conflict':
      return exitCodes.badInput;
    default:
      return exitCodes.denied;
  }
}
