import type { TransitionRequest } from '../../domain/index.js';
import { checkTransitionExists } from '../../domain/transition-rules.js';
import {
  type GateRun,
  type GateRunTarget,
  readGateRunInputs,
  runGates,
} from '../gate-evaluation/run-gates.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord, systemActor } from '../shared/audit-record.js';
import { loadModel, loadPolicy } from '../shared/load-policy.js';
import type { Repositories } from '../shared/ports.js';
import { evaluateAhead } from './evaluate-ahead.js';
import { restoreRollbackTarget } from './move-version.js';
import { recordDecision } from './record-decision.js';
import { emitRollbackExecuted } from './rollback-event.js';
import { judgeStandardPath } from './standard-path.js';

export interface ExpiryOutcome {
  requestId: string;
  outcome: 'rolled_back' | 'regularised' | 'no_longer_serving';
}

const actor = systemActor('expire-emergencies');

/**
 * For every executed emergency whose bypass has expired: judges the standard path (ADR 013) — the
 * standard gates re-run without bypass on the evidence as it is now, AND the transition's standard
 * approvals (distinct people, never the requester). Satisfied: the change stands
 * (`emergency.regularised`). Otherwise the version is rolled back (`rollback.executed`) or, short
 * of production, moved back (`emergency.reverted`), the request becomes `expired`, and the
 * `rollback.executed` event goes out in the same transaction. Each request is handled in its own
 * transaction, so one failure does not hold up the others, and one another run handled meanwhile
 * is skipped. Servers run it as the `emergency.expire` job.
 */
export async function expireEmergencies(
  deps: AppDeps,
  input: { now?: Date } = {},
): Promise<ExpiryOutcome[]> {
  const now = input.now ?? deps.clock.now();
  const due = await deps.store.transaction(async (tx) =>
    (await tx.requests.list({ status: ['executed'] })).filter(
      (r) =>
        r.changeType === 'emergency' &&
        r.closeReason === undefined &&
        r.bypassExpiresAt !== undefined &&
        Date.parse(r.bypassExpiresAt) <= now.getTime(),
    ),
  );
  const outcomes: ExpiryOutcome[] = [];
  for (const request of due) {
    const outcome = await expireOne(deps, request, now);
    if (outcome !== undefined) outcomes.push(outcome);
  }
  return outcomes;
}

/**
 * The standard path's gate run of an executed emergency: the standard gates with no bypass,
 * compared with the version the emergency replaced (not with itself).
 */
async function standardRun(
  tx: Repositories,
  input: { model: string; policyDigest: string; request: TransitionRequest },
): Promise<GateRunTarget> {
  const { request } = input;
  const policy = await loadPolicy(tx, input.policyDigest);
  const found = checkTransitionExists(policy, request.from, request.to);
  if (!found.ok) throw new Error(`executed request ${request.id} has no transition in the policy`);
  const replaced = (await tx.serving.get(input.model)).rollbackTarget?.version;
  return {
    policy,
    transition: found.transition,
    model: input.model,
    version: request.version,
    bypass: [],
    baselineVersion: replaced,
  };
}

async function expireOne(
  deps: AppDeps,
  stale: TransitionRequest,
  now: Date,
): Promise<ExpiryOutcome | undefined> {
  // The gates are evaluated ahead, in a snapshot with no lock (ADR 014), like a request's: the
  // transaction below holds the write lock and takes this result only for the very same input.
  const ahead = await evaluateAhead(deps, async (tx) => {
    const model = await loadModel(tx, stale.model);
    const request = (await tx.requests.get(stale.id)) ?? stale;
    const version = await tx.versions.get(model.name, request.version);
    if (
      request.status !== 'executed' ||
      request.closeReason !== undefined ||
      version?.state !== request.to
    )
      throw new Error('nothing to evaluate: the transaction ends the request without gates');
    const target = await standardRun(tx, {
      model: model.name,
      policyDigest: model.policyDigest,
      request,
    });
    return readGateRunInputs(tx, target);
  });
  return deps.store.transaction(async (tx) => {
    const model = await loadModel(tx, stale.model, { forUpdate: true });
    const request = (await tx.requests.get(stale.id, { forUpdate: true })) ?? stale;
    // Another run (a second server, a retried job) handled it since the list was read.
    if (request.status !== 'executed' || request.closeReason !== undefined) return undefined;
    const at = now.toISOString();
    const version = await tx.versions.get(model.name, request.version);
    const subject = { type: 'request', id: request.id };
    if (version === undefined || version.state !== request.to) {
      await tx.requests.update({
        ...request,
        closeReason: `bypass ended: version is ${version?.state ?? 'gone'}`,
      });
      await tx.audit.append(
        auditRecord({
          actor,
          time: at,
          action: 'emergency.ended',
          subject,
          data: { state: version?.state ?? null },
        }),
      );
      return { requestId: request.id, outcome: 'no_longer_serving' };
    }
    const target = await standardRun(tx, {
      model: model.name,
      policyDigest: model.policyDigest,
      request,
    });
    const { policy, transition } = target;
    const run = await runGates(deps, tx, target, ahead);
    const current = {
      ...request,
      policyDigest: model.policyDigest,
      evidenceDigest: run.evidenceDigest,
    };
    const decision = await recordDecision(deps, tx, {
      kind: 'gates',
      actor,
      at,
      request: current,
      run,
      bypass: [],
    });
    const verdict = await judgeStandardPath(deps, tx, {
      transition,
      request: current,
      run,
      version,
      // The sign-offs are judged as they stood when the window ended, not when the job ran.
      at: request.bypassExpiresAt ?? at,
    });
    const standardApprovals = {
      counted: verdict.approvals.counted.map((a) => a.id),
      missing: verdict.approvals.missing,
    };
    if (verdict.satisfied) {
      await tx.requests.update({
        ...request,
        closeReason: 'bypass ended: standard gates passed and standard approvals given',
      });
      await tx.audit.append(
        auditRecord({
          actor,
          time: at,
          action: 'emergency.regularised',
          subject,
          digests: { evidence: run.evidenceDigest, policy: model.policyDigest },
          data: { decisionId: decision.id, standardApprovals },
        }),
      );
      return { requestId: request.id, outcome: 'regularised' };
    }
    const why = `Emergency bypass of request ${request.id} expired without passing the standard path: ${verdict.reasons.join(' ')}`;
    if (request.to !== 'production' && request.from !== 'production') {
      return revertMove(deps, tx, {
        request,
        model: model.name,
        at,
        run,
        policyDigest: model.policyDigest,
        decisionId: decision.id,
        why,
        standardApprovals,
      });
    }
    const moved = await restoreRollbackTarget(tx, {
      policy,
      model: model.name,
      at,
      requireTarget: false,
    });
    const expired: TransitionRequest = {
      ...request,
      status: 'expired',
      closeReason: 'bypass expired without passing the standard path; rolled back',
    };
    await tx.requests.update(expired);
    await tx.audit.append(
      auditRecord({
        actor,
        time: at,
        action: 'rollback.executed',
        subject: { type: 'model', id: model.name },
        reason: why,
        ticket: request.ticket,
        digests: { evidence: run.evidenceDigest, policy: model.policyDigest },
        data: {
          from: moved.from ?? null,
          to: moved.to ?? null,
          trigger: 'emergency.expired',
          requestId: request.id,
          decisionId: decision.id,
          standardApprovals,
        },
      }),
    );
    await emitRollbackExecuted(tx, deps, {
      at,
      model: model.name,
      version: moved.from ?? request.version,
      restoredVersion: moved.to,
      trigger: 'emergency.expired',
      reason: why,
      by: actor,
      request: expired,
    });
    return { requestId: request.id, outcome: 'rolled_back' };
  });
}

/**
 * An expired emergency short of production (draft → staging, say) is undone by moving its version
 * back to the state it came from; serving and the production version are not its to change.
 */
async function revertMove(
  deps: AppDeps,
  tx: Repositories,
  input: {
    request: TransitionRequest;
    model: string;
    at: string;
    run: Pick<GateRun, 'evidenceDigest'>;
    policyDigest: string;
    decisionId: string;
    why: string;
    standardApprovals: { counted: string[]; missing: { role: string; needed: number }[] };
  },
): Promise<ExpiryOutcome> {
  const { request, model, at, run } = input;
  await tx.versions.setState({ model, version: request.version, state: request.from, since: at });
  const expired: TransitionRequest = {
    ...request,
    status: 'expired',
    closeReason: `bypass expired without passing the standard path; moved back to ${request.from}`,
  };
  await tx.requests.update(expired);
  await tx.audit.append(
    auditRecord({
      actor,
      time: at,
      action: 'emergency.reverted',
      subject: { type: 'model', id: model },
      reason: input.why,
      ticket: request.ticket,
      digests: { evidence: run.evidenceDigest, policy: input.policyDigest },
      data: {
        version: request.version,
        from: request.to,
        to: request.from,
        trigger: 'emergency.expired',
        requestId: request.id,
        decisionId: input.decisionId,
        standardApprovals: input.standardApprovals,
      },
    }),
  );
  await emitRollbackExecuted(tx, deps, {
    at,
    model,
    version: request.version,
    trigger: 'emergency.expired',
    reason: input.why,
    by: actor,
    request: expired,
  });
  return { requestId: request.id, outcome: 'rolled_back' };
}
