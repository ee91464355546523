import type { ApprovalEvaluation } from '../../domain/approval-rules.js';
import {
  type Actor,
  blocks,
  type DecisionRecord,
  type TransitionRequest,
} from '../../domain/index.js';
import { decideOutcome } from '../gate-evaluation/decide-transition.js';
import type { GateRun } from '../gate-evaluation/run-gates.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { emit, requestSubject } from '../shared/emit-event.js';
import type { Repositories } from '../shared/ports.js';
import { together } from '../shared/read-together.js';

/**
 * Stores the decision record for a gate evaluation or a transition decision and its
 * `gate.evaluated` audit entry, in the caller's transaction; when a gate fails or errors (and was
 * not bypassed), a `gate.failed` event with it.
 */
export async function recordDecision(
  deps: Pick<AppDeps, 'ids' | 'clock'>,
  tx: Repositories,
  input: {
    kind: DecisionRecord['kind'];
    actor: Actor;
    at: string;
    request: TransitionRequest;
    run: GateRun;
    bypass: readonly string[];
    approvals?: ApprovalEvaluation | undefined;
    signOff?: DecisionRecord['signOff'];
    /** The decision's id, when the caller wrote it into the request's row before the decision. */
    id?: string;
  },
): Promise<DecisionRecord> {
  const { request, run } = input;
  const { outcome, reasons } = decideOutcome({ gates: run.gates, approvals: input.approvals });
  const decision: DecisionRecord = {
    id: input.id ?? deps.ids.next(),
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
    ...(input.signOff ? { signOff: input.signOff } : {}),
    gates: run.gates,
    outcome,
    reasons,
    at: input.at,
  };
  // The decision and its audit entry, sent together (ADR 049).
  await together([
    tx.decisions.insert(decision),
    tx.audit.append(
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
          ...(decision.signOff ? { signOff: decision.signOff } : {}),
        },
      }),
    ),
  ]);
  const failed = run.gates.filter(blocks);
  if (failed.length > 0) {
    await emit(tx, deps, {
      type: 'gate.failed',
      at: input.at,
      subject: requestSubject(request, decision.id),
      data: {
        model: request.model,
        version: request.version,
        from: request.from,
        to: request.to,
        requestId: request.id,
        decisionId: decision.id,
        failed: failed.map((g) => ({
          gateId: g.gateId,
          outcome: g.outcome === 'error' ? 'error' : 'fail',
          explanation: g.explanation,
        })),
      },
    });
  }
  return decision;
}
