import {
  type ApprovalEvaluation,
  type ApprovalRules,
  evaluateApprovals,
  readsBaseline,
} from '../../domain/approval-rules.js';
import {
  type Approval,
  ClearanceError,
  type DecisionRecord,
  type Policy,
  type Principal,
  parseDuration,
  type TransitionPolicy,
  type TransitionRequest,
  type VersionView,
} from '../../domain/index.js';
import type { AheadRun } from '../gate-evaluation/gate-result-cache.js';
import {
  type GateRun,
  type GateRunTarget,
  type KnownEvidence,
  knownEvidence,
  readGateRunInputs,
  runGates,
} from '../gate-evaluation/run-gates.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { guarded } from '../shared/authorise.js';
import { emit, requestSubject, requestSummary } from '../shared/emit-event.js';
import type { Repositories } from '../shared/ports.js';
import { startedEarly, together } from '../shared/read-together.js';
import { openRequestContext } from '../shared/request-context.js';
import {
  holdersAmong,
  type LineageTrainers,
  lineageTrainersAhead,
  lineageTrainersOf,
  signOffRules,
  versionFacts,
} from './approval-facts.js';
import { approvalEntries, auditedAmong } from './audited-approvals.js';
import { evaluateAhead } from './evaluate-ahead.js';
import { moveVersion } from './move-version.js';
import { decisionRecord, storeDecision } from './record-decision.js';
import { assertNotLapsed, expiredRequestError } from './request-lifetime.js';
import { assertNoActiveRollout, startCanary, startsCanary } from './start-canary.js';

export interface ExecuteResult {
  request: TransitionRequest;
  decision: DecisionRecord;
  demoted?: string;
  /** The canary the promotion started instead of a full switch, when its policy has one. */
  rollout?: { id: string; traffic: number };
}

type Attempt =
  | { ok: true; result: ExecuteResult }
  | { ok: false; decision: DecisionRecord }
  | { ok: false; stale: StaleBaseline };

/** Production moved between the request's latest gate decision and its execution. */
interface StaleBaseline {
  evaluatedAgainst: string | undefined;
  current: string | undefined;
}

function addDuration(at: string, text: string | undefined): string | undefined {
  const ms = text === undefined ? undefined : parseDuration(text);
  return ms === undefined ? undefined : new Date(Date.parse(at) + ms).toISOString();
}

/**
 * Executes a request: with the model row locked, re-runs the gates on the evidence as it is now
 * and re-counts approvals against the current digests, then changes state, serving, the decision
 * record and the audit log in one transaction. A denial is recorded (decision + audit) and then
 * refused with `precondition_failed`.
 */
export async function executeTransition(
  deps: AppDeps,
  principal: Principal,
  input: { requestId: string },
): Promise<ExecuteResult> {
  const subject = { type: 'request', id: input.requestId };
  const attempt = await guarded(
    deps,
    { actor: principal, action: 'transition.execute', subject },
    async () => {
      // One snapshot lists the version's evidence for the gates and for the lineage trainers
      // (ADR 020); the trainers are read while the gates evaluate.
      let trainersRead: Promise<LineageTrainers> | undefined;
      // The request's model and version as read ahead (and the baseline the gates compared
      // with): the transaction locks the model without a read to find it, and asks for what it
      // reads by those names in its first round trip.
      let names: AheadNames | undefined;
      const ahead = await evaluateAhead(deps, async (tx) => {
        const now = deps.clock.now();
        const target = await executionTarget(tx, principal, { ...input, now, lock: false });
        if (await checkBaselineCurrent(tx, target.request, target.production))
          throw new Error('stale baseline');
        const inputs = await readGateRunInputs(tx, gateRunOf(target));
        names = {
          model: target.model.name,
          version: target.version.version,
          baseline: inputs.baseline?.version,
          ...(target.request.to === 'production' ? { decisionId: target.request.decisionId } : {}),
        };
        trainersRead = lineageTrainersOf(deps, inputs.records);
        // Awaited below; a failure meanwhile is not an unhandled rejection.
        trainersRead.catch(() => undefined);
        return inputs;
      });
      // Nothing read ahead (no gate result cache, or a refusal the transaction will repeat):
      // the trainers' own read, as before.
      const trainers = await (trainersRead ?? lineageTrainersAhead(deps, input.requestId));
      // The request's model as read ahead: a request never changes model, so even a stale read
      // names the model the transaction acts on.
      return deps.store.transaction(
        (tx) =>
          attemptExecution(deps, tx, principal, {
            requestId: input.requestId,
            ahead,
            trainers,
            names,
          }),
        names === undefined ? undefined : { model: names.model },
      );
    },
  );
  if (attempt.ok) return attempt.result;
  if ('stale' in attempt) throw staleBaselineError(attempt.stale);
  const message = `Request ${input.requestId} cannot execute: ${attempt.decision.reasons.join(' ')}`;
  const fix =
    attempt.decision.changeType === 'emergency'
      ? 'An emergency bypasses only the gates its policy lists, never its sign-offs: ask a holder of the named role other than the requester to approve it (clearance approve), then execute again.'
      : 'Fix the evidence or collect the approvals, then execute again.';
  throw new ClearanceError('precondition_failed', message, {
    problems: attempt.decision.reasons
      .filter((reason) => !reason.endsWith('was bypassed.'))
      .map((reason) => ({ message: reason, fix })),
  });
}

/** The names an execution read ahead of its transaction: its model, version and baseline. */
interface AheadNames {
  model: string;
  version: string;
  /** The production version the gates compared with, if any. */
  baseline: string | undefined;
  /** The request's latest decision, when it is a promotion (its baseline check reads it). */
  decisionId?: string | undefined;
}

/**
 * What an execution reads by names known before its transaction, asked for at its start with the
 * request's own read: one round trip on PostgreSQL instead of three (ADR 049). Each is used only
 * where the request, read under the lock, names the same model and version (a request never
 * changes either) and production is the same version; otherwise it is read again by the names
 * found. Nothing is written between: every write transaction holds the store's write lock from
 * its start.
 */
interface EarlyReads {
  beside: {
    model: string;
    version: string;
    read: ReturnType<Repositories['versions']['getBeside']>;
  };
  evidence: KnownEvidence;
  /** The decision the request named ahead, for the baseline check of a promotion. */
  decision?: { id: string; read: ReturnType<Repositories['decisions']['get']> };
}

function earlyReads(tx: Repositories, names: AheadNames): EarlyReads {
  const { model, version, baseline, decisionId } = names;
  return {
    ...(decisionId === undefined
      ? {}
      : { decision: { id: decisionId, read: startedEarly(tx.decisions.get(decisionId)) } }),
    beside: {
      model,
      version,
      read: startedEarly(tx.versions.getBeside(model, version, 'production')),
    },
    evidence: knownEvidence(tx, { model, version, baseline }),
  };
}

/**
 * What a request's sign-offs are counted against, read by the request's id alone, so asked for
 * at the transaction's start (ADR 049): the sign-offs, their signers' roles now and their
 * `approval.recorded` entries. Read in one transaction, they describe the same sign-offs.
 */
interface SignOffReads {
  approvals: Promise<Approval[]>;
  roles: ReturnType<Repositories['identity']['rolesOfApproversOf']>;
  entries: ReturnType<typeof approvalEntries>;
}

function signOffReads(tx: Repositories, requestId: string): SignOffReads {
  return {
    approvals: startedEarly(tx.approvals.list(requestId)),
    roles: startedEarly(tx.identity.rolesOfApproversOf(requestId)),
    entries: startedEarly(approvalEntries(tx, requestId)),
  };
}

/** Only open requests execute; executing one twice is a conflict. */
function assertExecutable(request: TransitionRequest): void {
  if (request.status === 'expired' && request.bypassExpiresAt === undefined) {
    throw expiredRequestError(request, 'executed');
  }
  if (request.status !== 'pending' && request.status !== 'approved') {
    const message = `Request ${request.id} is ${request.status}; only open requests execute.`;
    const code = request.status === 'executed' ? 'conflict' : 'precondition_failed';
    throw new ClearanceError(code, message, {
      problems: [{ message, fix: 'Open a new request.' }],
    });
  }
}

/**
 * With the model row locked: the open request, the policy's transition, the executor's authority,
 * and a version still in the `from` state.
 */
async function executionTarget(
  tx: Repositories,
  principal: Principal,
  input: {
    requestId: string;
    now: Date;
    lock: boolean;
    modelOf?: string | undefined;
    /** The version beside production, asked for by the names read ahead (`EarlyReads`). */
    beside?: EarlyReads['beside'] | undefined;
  },
) {
  const { requestId } = input;
  const { request, model, policy, transition } = await openRequestContext(tx, {
    requestId,
    principal,
    lockModel: input.lock,
    modelOf: input.modelOf,
    lock: input.lock,
    check: assertExecutable,
    authority: (found) => ({
      roles: [...executorsOf(found), 'admin'],
      action: `execute ${found.request.from} → ${found.request.to}`,
    }),
  });
  assertNotLapsed({ policy, request, now: input.now, action: 'executed' });
  const emergency = request.changeType === 'emergency';
  // The production baseline beside the version, in one statement: the baseline check and the
  // gate run take it from here (nothing is written between).
  const { version, inState: production } =
    input.beside?.model === model.name && input.beside.version === request.version
      ? await input.beside.read
      : await tx.versions.getBeside(model.name, request.version, 'production');
  if (!version) throw new Error(`request ${request.id} names a missing version`);
  if (version.state !== request.from) {
    const message = `Version ${model.name}@${version.version} is ${version.state} now, not ${request.from}.`;
    throw new ClearanceError('conflict', message, {
      problems: [{ message, fix: 'Cancel this request and open a new one.' }],
    });
  }
  const bypass = emergency ? (policy.changeTypes.emergency?.bypass ?? []) : [];
  return { model, request, policy, transition, version, production, bypass, emergency };
}

/** The gate run an execution evaluates: the version's evidence now, against production now. */
function gateRunOf(target: Awaited<ReturnType<typeof executionTarget>>): GateRunTarget {
  const { policy, transition, model, version, bypass, production } = target;
  return { policy, transition, model: model.name, version: version.version, bypass, production };
}

/** Who may execute a request: the transition's requesters, or for an emergency its break-glass roles. */
export function executorsOf(found: {
  request: TransitionRequest;
  policy: Policy;
  transition: TransitionPolicy;
}): readonly string[] {
  return found.request.changeType === 'emergency'
    ? (found.policy.changeTypes.emergency?.allowedBy ?? [])
    : found.transition.requestedBy;
}

const describeProduction = (version: string | undefined): string =>
  version === undefined ? 'no production version' : version;

function staleBaselineError(stale: StaleBaseline): ClearanceError {
  const was = describeProduction(stale.evaluatedAgainst);
  const now = describeProduction(stale.current);
  const message = `Production changed from ${was} to ${now} since this request was evaluated; its approvals and baseline comparison refer to ${was}.`;
  return new ClearanceError('conflict', `${message} Re-request against ${now}.`, {
    problems: [
      {
        message,
        fix: `Cancel this request and open a new one, so gates and approvals judge it against ${now}.`,
      },
    ],
  });
}

/**
 * A promotion to production was judged (gates against the baseline, approvals on that judgement)
 * relative to the production version of its latest gate decision. If another promotion or a
 * rollback has replaced it since, executing would put a version in production on a comparison
 * nobody made — and would let several promotions queued behind one lock all win in turn.
 */
async function checkBaselineCurrent(
  tx: Repositories,
  request: TransitionRequest,
  production: readonly Pick<VersionView, 'version'>[],
  known?: EarlyReads['decision'],
): Promise<StaleBaseline | undefined> {
  if (request.to !== 'production') return undefined;
  const { decisionId } = request;
  const decision =
    decisionId === undefined
      ? undefined
      : known?.id === decisionId
        ? await known.read
        : await tx.decisions.get(decisionId);
  const evaluatedAgainst = decision?.baseline?.version;
  const current = production.find((v) => v.version !== request.version)?.version;
  return evaluatedAgainst === current ? undefined : { evaluatedAgainst, current };
}

/** The refusal is the answer; the attempt is still audited, in the transaction that refuses it. */
async function recordConflict(
  tx: Repositories,
  input: { request: TransitionRequest; stale: StaleBaseline; principal: Principal; at: string },
): Promise<void> {
  const { request, stale } = input;
  await tx.audit.append(
    auditRecord({
      actor: input.principal,
      time: input.at,
      action: 'transition.conflict',
      subject: { type: 'request', id: request.id },
      data: {
        model: request.model,
        version: request.version,
        evaluatedAgainst: stale.evaluatedAgainst ?? null,
        currentProduction: stale.current ?? null,
      },
    }),
  );
}

async function attemptExecution(
  deps: AppDeps,
  tx: Repositories,
  principal: Principal,
  attempt: {
    requestId: string;
    ahead: AheadRun | undefined;
    trainers: LineageTrainers;
    names: AheadNames | undefined;
  },
): Promise<Attempt> {
  const { requestId, names } = attempt;
  const now = deps.clock.now();
  const signOffs = signOffReads(tx, requestId);
  const early = names === undefined ? undefined : earlyReads(tx, names);
  const target = await executionTarget(tx, principal, {
    requestId,
    now,
    lock: true,
    modelOf: names?.model,
    beside: early?.beside,
  });
  const { model, request, policy, transition, version, bypass } = target;
  const stale = await checkBaselineCurrent(tx, request, target.production, early?.decision);
  if (stale) {
    const at = deps.clock.now().toISOString();
    await recordConflict(tx, { request, stale, principal, at });
    return { ok: false, stale };
  }
  const run = await runGates(deps, tx, gateRunOf(target), attempt.ahead, early?.evidence);
  const at = deps.clock.now().toISOString();
  const current: TransitionRequest = {
    ...request,
    policyDigest: model.policyDigest,
    evidenceDigest: run.evidenceDigest,
  };
  // An emergency bypasses only the gates its policy lists, never its named sign-offs (ADR 011).
  const rules = signOffRules(policy, request, transition);
  const approvals = await recountApprovals(deps, tx, {
    rules,
    transition,
    request: current,
    signOffs,
    run,
    version,
    trainers: attempt.trainers,
    at,
  });
  const decision = decisionRecord(deps, {
    kind: 'transition',
    at,
    request: current,
    run,
    bypass,
    approvals,
    ...(target.emergency
      ? { signOff: { approvals: rules.approvals, anyOne: rules.anyOne === true } }
      : {}),
  });
  const stored = { actor: principal, request: current, run, decision };
  if (decision.outcome === 'denied') {
    await storeDecision(deps, tx, stored);
    await recordBlocked(deps, tx, { request: current, decision, principal, at });
    return { ok: false, decision };
  }
  // The decision's rows go out with the first statements of the move it allows (ADR 049): none
  // of those reads them.
  const decisionStored = startedEarly(storeDecision(deps, tx, stored));
  const artifactDigest = version.artifactDigest;
  const input = { policy, transition, request: current, decision, principal, at, artifactDigest };
  try {
    return { ok: true, result: await commitExecution(deps, tx, { ...input, decisionStored }) };
  } catch (error) {
    // The decision's failure, if it failed, is the one to report: it was asked for first.
    await decisionStored;
    throw error;
  }
}

/**
 * Counts the approvals under every rule again, against the facts of this moment (ADR 007): the
 * baseline evidence the gates just compared with, the roles the approvers hold now, and the
 * trainers named by the registered lineage and by any lineage file in the evidence.
 */
async function recountApprovals(
  deps: AppDeps,
  tx: Repositories,
  input: {
    rules: ApprovalRules;
    transition: TransitionPolicy;
    request: TransitionRequest;
    signOffs: SignOffReads;
    run: GateRun;
    version: VersionView;
    trainers: LineageTrainers;
    at: string;
  },
): Promise<ApprovalEvaluation> {
  const { transition, request } = input;
  const [approvals, roles, entries] = await together([
    input.signOffs.approvals,
    input.signOffs.roles,
    input.signOffs.entries,
  ]);
  const holdsRole = holdersAmong(roles, request.model);
  const audited = auditedAmong(entries, approvals);
  const baselineDigest = readsBaseline(transition)
    ? (input.run.baseline?.evidenceDigest ?? null)
    : null;
  return evaluateApprovals({
    transition: input.rules,
    request,
    approvals,
    // The evidence the gates just read in this transaction: listed once.
    version: await versionFacts(deps, tx, input.version, {
      known: input.trainers,
      evidence: input.run.evidence,
    }),
    now: new Date(input.at),
    audited,
    current: { baselineDigest, holdsRole },
  });
}

/** A denied execution keeps its decision and audit entry; an approved request goes back to pending. */
async function recordBlocked(
  deps: AppDeps,
  tx: Repositories,
  input: { request: TransitionRequest; decision: DecisionRecord; principal: Principal; at: string },
): Promise<void> {
  const { request, decision } = input;
  await tx.requests.update({ ...request, status: 'pending', decisionId: decision.id });
  await tx.audit.append(
    auditRecord({
      actor: input.principal,
      time: input.at,
      action: 'transition.blocked',
      subject: { type: 'request', id: request.id },
      digests: { policy: request.policyDigest, evidence: request.evidenceDigest },
      data: { decisionId: decision.id, reasons: decision.reasons },
    }),
  );
  await emit(tx, deps, {
    type: 'transition.blocked',
    at: input.at,
    subject: requestSubject(request, decision.id),
    data: { request: requestSummary(request), decisionId: decision.id, reasons: decision.reasons },
  });
}

async function commitExecution(
  deps: AppDeps,
  tx: Repositories,
  input: {
    policy: Policy;
    transition: TransitionPolicy;
    request: TransitionRequest;
    decision: DecisionRecord;
    principal: Principal;
    at: string;
    artifactDigest: string;
    /**
     * The decision's rows, sent before this began and awaited with this execution's own row:
     * the log appends entries in the order they were asked for (audit-repository.ts), so the
     * decision's entry stays ahead of this one's without waiting for it.
     */
    decisionStored: Promise<void>;
  },
): Promise<ExecuteResult> {
  const { policy, request, decision, principal, at, decisionStored } = input;
  if (request.to === 'production') await assertNoActiveRollout(tx, request.model);
  const canary = startsCanary(request, input.transition)
    ? await startCanary(deps, tx, { ...input, request })
    : undefined;
  if (request.changeType === 'experiment' && request.to === 'production' && !canary) {
    // The request check refuses this; a policy edited since cannot make it a full switch.
    const message = `Request ${request.id} is an experiment, which never reaches full production, and ${request.from} → production has no canary.`;
    throw new ClearanceError('precondition_failed', message, {
      problems: [{ message, fix: 'Request a standard change to reach full production.' }],
    });
  }
  const moving = canary
    ? undefined
    : startedEarly(
        moveVersion(tx, {
          policy,
          model: request.model,
          version: request.version,
          from: request.from,
          to: request.to,
          requestId: request.id,
          at,
        }),
      );
  // Only a promotion tells anything the entry records (the version it demoted); any other move
  // goes out with the request's row (ADR 049).
  const moved = moving !== undefined && request.to === 'production' ? await moving : {};
  const emergency = request.changeType === 'emergency' ? policy.changeTypes.emergency : undefined;
  const bypassExpiresAt = emergency ? addDuration(at, emergency.expiresAfter) : undefined;
  const reviewDueAt = emergency
    ? addDuration(at, emergency.postIncidentReview.dueWithin)
    : undefined;
  const executed: TransitionRequest = {
    ...request,
    status: 'executed',
    decisionId: decision.id,
    closedAt: at,
    closedBy: principal.id,
    ...(bypassExpiresAt ? { bypassExpiresAt } : {}),
    ...(reviewDueAt ? { reviewDueAt } : {}),
  };
  const digests = {
    policy: request.policyDigest,
    evidence: request.evidenceDigest,
    artifact: input.artifactDigest,
  };
  const subject = { type: 'request', id: request.id };
  // The decision, the move, the request's row, its audit entry and its event, sent together
  // (ADR 049), and their failures told in that order.
  await together([
    decisionStored,
    moving,
    tx.requests.update(executed),
    tx.audit.append(
      auditRecord({
        actor: principal,
        time: at,
        action: 'transition.executed',
        subject,
        reason: request.reason,
        ticket: request.ticket,
        digests,
        data: {
          model: request.model,
          version: request.version,
          from: request.from,
          to: request.to,
          changeType: request.changeType,
          decisionId: decision.id,
          demoted: moved.demoted ?? null,
          approvals: decision.approvalsCounted.map((a) => a.id),
          ...(canary ? { rolloutId: canary.id } : {}),
        },
      }),
    ),
    emit(tx, deps, {
      type: 'transition.executed',
      at,
      subject: requestSubject(executed, decision.id),
      data: {
        request: requestSummary(executed),
        executedBy: principal.id,
        decisionId: decision.id,
      },
    }),
  ]);
  if (emergency) {
    const bypassed = decision.gates
      .filter((g) => g.bypassed)
      .map((g) => ({ id: g.gateId, outcome: g.outcome }));
    await tx.audit.append(
      auditRecord({
        actor: principal,
        time: at,
        action: 'emergency.bypass',
        subject,
        reason: request.reason,
        ticket: request.ticket,
        digests,
        data: {
          bypassed,
          signedOffBy: decision.approvalsCounted.map((a) => ({
            approvalId: a.id,
            approver: a.approver,
            role: a.role,
          })),
          bypassExpiresAt: bypassExpiresAt ?? null,
          reviewDueAt: reviewDueAt ?? null,
        },
      }),
    );
    if (bypassExpiresAt && reviewDueAt) {
      await emit(tx, deps, {
        type: 'emergency.bypassed',
        at,
        subject: requestSubject(executed, decision.id),
        data: {
          request: requestSummary(executed),
          bypassedGates: bypassed.map((g) => g.id),
          bypassExpiresAt,
          reviewDueAt,
        },
      });
    }
  }
  return {
    request: executed,
    decision,
    ...(moved.demoted ? { demoted: moved.demoted } : {}),
    ...(canary ? { rollout: { id: canary.id, traffic: canary.state.traffic } } : {}),
  };
}
