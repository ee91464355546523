/**
 * Whether an executed emergency has satisfied the standard path by the end of its bypass window
 * (ADR 013): the standard gates, run again without bypass on the evidence as it is now against the
 * version the emergency replaced, AND the transition's standard approvals, counted as execution
 * counts them (bound to the evidence, policy and baseline in force, audited as approvals, distinct
 * people, never the requester). Review sign-offs are not approvals of the change and never count.
 */
import type { ApprovalEvaluation } from '../../domain/approval-rules.js';
import { evaluateApprovals, readsBaseline } from '../../domain/approval-rules.js';
import { standardPathRules } from '../../domain/emergency-sign-off.js';
import type { TransitionPolicy, TransitionRequest, VersionView } from '../../domain/index.js';
import { decideOutcome } from '../gate-evaluation/decide-transition.js';
import type { GateRun } from '../gate-evaluation/run-gates.js';
import type { AppDeps } from '../shared/app-deps.js';
import type { Repositories } from '../shared/ports.js';
import { roleHolders, versionFacts } from './approval-facts.js';
import { auditedApprovalIds } from './audited-approvals.js';
import { reviewApprovals } from './emergency-status.js';

export interface StandardPathVerdict {
  satisfied: boolean;
  approvals: ApprovalEvaluation;
  /** Every reason it is not satisfied (gates and approvals), one sentence each. */
  reasons: string[];
}

export async function judgeStandardPath(
  deps: AppDeps,
  tx: Repositories,
  input: {
    transition: TransitionPolicy;
    /** The request with the policy and evidence digests in force now. */
    request: TransitionRequest;
    run: GateRun;
    version: VersionView;
    at: string;
  },
): Promise<StandardPathVerdict> {
  const { request, run } = input;
  const reviews = new Set((await reviewApprovals(tx, request)).map((a) => a.id));
  const all = (await tx.approvals.list(request.id)).filter((a) => !reviews.has(a.id));
  const holdsRole = await roleHolders(tx, {
    model: request.model,
    approvers: all.map((a) => a.approver),
  });
  const approvals = evaluateApprovals({
    transition: standardPathRules(input.transition),
    request,
    approvals: all,
    version: await versionFacts(deps, tx, input.version),
    now: new Date(input.at),
    // A row inserted behind the service's back (no `approval.recorded` entry) never counts.
    audited: await auditedApprovalIds(tx, request.id, all),
    current: {
      baselineDigest: readsBaseline(input.transition)
        ? (run.baseline?.evidenceDigest ?? null)
        : null,
      holdsRole,
    },
  });
  const outcome = decideOutcome({ gates: run.gates, approvals });
  return {
    satisfied: outcome.outcome === 'allowed',
    approvals,
    reasons: outcome.reasons.filter((r) => !r.endsWith('was bypassed.')),
  };
}
