import { blocks, type GateResult } from './gate-result.js';
import type {
  ApprovalRequirement,
  SeparationOfDuties,
  TicketRule,
  TransitionPolicy,
} from './policy.js';

/**
 * What a CI check concludes for one transition: whether the automated gates allow it, and what
 * people must still do. Gates are necessary, never sufficient: sign-offs happen in the registry.
 */
export interface CheckDecision {
  /** True when no gate blocks (every gate passed, or was bypassed by the change type). */
  gatesPassed: boolean;
  blockingGates: { gateId: string; outcome: GateResult['outcome'] }[];
  bypassedGates: string[];
  approvalsRequired: ApprovalRequirement[];
  separationOfDuties: SeparationOfDuties;
  ticket: TicketRule;
  reasonRequired: boolean;
}

export function decideCheck(
  transition: TransitionPolicy,
  results: readonly GateResult[],
): CheckDecision {
  const blocking = results.filter(blocks).map((r) => ({ gateId: r.gateId, outcome: r.outcome }));
  return {
    gatesPassed: blocking.length === 0,
    blockingGates: blocking,
    bypassedGates: results.filter((r) => r.bypassed === true).map((r) => r.gateId),
    approvalsRequired: transition.approvals,
    separationOfDuties: transition.separationOfDuties,
    ticket: transition.ticket,
    reasonRequired: transition.reasonRequired,
  };
}
