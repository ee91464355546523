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

export interface DecisionInput {
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
}

/**
 * Stores the decision record for a gate evaluation or a transition decision and its
 * `gate.evaluated` audit entry, in the caller's transaction; when a gate fails or errors (and was
 * not bypassed), a `gate.failed` event with it.
 */
export async function recordDecision(
  deps: Pick<AppDeps, 'ids' | 'clock'>,
  tx: Repositories,
  input: DecisionInput,
): Promise<DecisionRecord> {
  const decision = decisionRecord(deps, input);
  await storeDecision(deps, tx, { ...input, decision });
  return decision;
}

/** The decision `input` reaches, with its id: judged here, stored by `storeDecision`. */
export function decisionRecord(
  deps: Pick<AppDeps, 'ids'>,
  input: Omit<DecisionInput, 'actor'>,
): DecisionRecord {
  const { request, run } = input;
  const { outcome, reasons } = decideOutcome({ gates: run.gates, approvals: input.approvals });
  return {
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
}

/**
 * Writes `decision` (from `decisionRecord`), its `gate.evaluated` entry and, when a gate blocks,
 * its `gate.failed` event. Nothing it writes is read by what it writes, so a caller may send it
 * with statements of its own (ADR 049) and await it after them.
 */
export async function storeDecision(
  deps: Pick<AppDeps, 'ids' | 'clock'>,
  tx: Repositories,
  input: Pick<DecisionInput, 'actor' | 'request' | 'run'> & { decision: DecisionRecord },
): Promise<void> {
  const { request, run, decision } = input;
  const { outcome } = decision;
  const failed = run.gates.filter(blocks);
  // The decision, its audit entry and its event, sent together (ADR 049).
  await together([
    tx.decisions.insert(decision),
    tx.audit.append(
      auditRecord({
        actor: input.actor,
        time: decision.at,
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
    failed.length === 0
      ? undefined
      : emit(tx, deps, {
          type: 'gate.failed',
          at: decision.at,
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
        }),
  ]);
}
