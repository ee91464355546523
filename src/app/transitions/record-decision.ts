import type { ApprovalEvaluation } from '../../domain/approval-rules.js';
import type { Actor, DecisionRecord, TransitionRequest } from '../../domain/index.js';
import { decideOutcome } from '../gate-evaluation/decide-transition.js';
import type { GateRun } from '../gate-evaluation/run-gates.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import type { Repositories } from '../shared/ports.js';

/**
 * Stores the decision record for a gate evaluation or a transition decision and its
 * `gate.evaluated` audit entry, in the caller's transaction.
 */
export async function recordDecision(
  deps: Pick<AppDeps, 'ids'>,
  tx: Repositories,
  input: {
    kind: DecisionRecord['kind'];
    actor: Actor;
    at: string;
    request: TransitionRequest;
    run: GateRun;
    bypass: readonly string[];
    approvals?: ApprovalEvaluation | undefined;
  },
): Promise<DecisionRecord> {
  const { request, run } = input;
  const { outcome, reasons } = decideOutcome({ gates: run.gates, approvals: input.approvals });
  const decision: DecisionRecord = {
    id: deps.ids.next(),
    kind: input.kind,
    requestId: request.id,
    model: request.model,
    version: request.version,
    from: request.from,
    to: request.to,
    changeType: request.changeType,
    policyDigest: request.policyDigest,
    evidenceDigest: run.evidenceDigest,
    evidence: run.evidence,
    ...(run.baseline ? { baseline: run.baseline } : {}),
    bypass: [...input.bypass],
    approvalsCounted: input.approvals?.counted ?? [],
    gates: run.gates,
    outcome,
    reasons,
    at: input.at,
  };
  await tx.decisions.insert(decision);
  await tx.audit.append(
    auditRecord({
      actor: input.actor,
      time: input.at,
      action: 'gate.evaluated',
      subject: { type: 'decision', id: decision.id },
      digests: {
        policy: request.policyDigest,
        evidence: run.evidenceDigest,
        baselineEvidence: run.baseline?.evidenceDigest,
      },
      data: {
        kind: decision.kind,
        requestId: request.id,
        outcome,
        gates: run.gates.map((g) => ({
          id: g.gateId,
          outcome: g.outcome,
          bypassed: g.bypassed === true,
        })),
        approvalsCounted: decision.approvalsCounted.map((a) => a.id),
      },
    }),
  );
  return decision;
}
