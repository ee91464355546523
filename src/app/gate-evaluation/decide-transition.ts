/** The outcome of a decision from its gate results and (for transitions) its approvals. */
import { type ApprovalEvaluation, describeIgnored } from '../../domain/approval-rules.js';
import { blocks, type GateResult } from '../../domain/index.js';

export interface Outcome {
  outcome: 'allowed' | 'denied';
  reasons: string[];
}

export function decideOutcome(input: {
  gates: readonly GateResult[];
  approvals?: ApprovalEvaluation | undefined;
}): Outcome {
  const reasons: string[] = [];
  for (const gate of input.gates) {
    if (blocks(gate)) reasons.push(`Gate ${gate.gateId} is ${gate.outcome}: ${gate.explanation}`);
    else if (gate.bypassed) reasons.push(`Gate ${gate.gateId} (${gate.outcome}) was bypassed.`);
  }
  const approvals = input.approvals;
  if (approvals) {
    if (approvals.rejection) {
      reasons.push(`Rejected by ${approvals.rejection.approver} (${approvals.rejection.role}).`);
    }
    for (const m of approvals.missing)
      reasons.push(`Needs ${m.needed} more ${m.role} approval(s).`);
    if (approvals.distinctApprovers < approvals.minDistinctApprovers) {
      reasons.push(
        `Needs ${approvals.minDistinctApprovers} distinct approvers; has ${approvals.distinctApprovers}.`,
      );
    }
    for (const i of approvals.ignored) {
      reasons.push(
        `Approval by ${i.approval.approver} as ${i.approval.role} does not count: ${describeIgnored(i.why)}.`,
      );
    }
  }
  const gatesPass = !input.gates.some(blocks);
  const approved = approvals === undefined || approvals.satisfied;
  return { outcome: gatesPass && approved ? 'allowed' : 'denied', reasons };
}
