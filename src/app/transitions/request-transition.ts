import {
  type ChangeType,
  ClearanceError,
  type DecisionRecord,
  notFound,
  type Principal,
  refusalError,
  type TransitionRequest,
} from '../../domain/index.js';
import { checkTransitionRequest } from '../../domain/transition-rules.js';
import { knownEvidence, readGateRunInputs, runGates } from '../gate-evaluation/run-gates.js';
import { holdersAskedEarly, roleHolders, rolesAsked } from '../identity/role-holders.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { guarded, rolesFor } from '../shared/authorise.js';
import { emit, requestSubject, requestSummary } from '../shared/emit-event.js';
import { loadModel, loadPolicy } from '../shared/load-policy.js';
import type { Repositories } from '../shared/ports.js';
import { assertMayReadModel } from '../shared/read-access.js';
import { startedEarly, together } from '../shared/read-together.js';
import { signOffRules } from './approval-facts.js';
import { evaluateAhead } from './evaluate-ahead.js';
import { decisionRecord, storeDecision } from './record-decision.js';

export interface RequestTransitionInput {
  model: string;
  version: string;
  to: string;
  changeType?: ChangeType;
  reason: string;
  ticket?: string;
}

/** The opened request and the decision its gates reached on the evidence as it was. */
export interface RequestTransitionResult {
  request: TransitionRequest;
  decision: DecisionRecord;
}

/**
 * Opens a transition request from the version's current state and runs its gates on the evidence
 * as it is now (a `gates` decision). Failing gates do not refuse the request: the requester can
 * attach better evidence; execution re-runs them.
 */
export async function requestTransition(
  deps: AppDeps,
  principal: Principal,
  input: RequestTransitionInput,
): Promise<RequestTransitionResult> {
  const changeType = input.changeType ?? 'standard';
  const subject = { type: 'version', id: `${input.model}@${input.version}` };
  return guarded(deps, { actor: principal, action: 'transition.request', subject }, async () => {
    // Before the model, its policy or the version is read (ADR 040).
    assertMayReadModel({ principal, model: input.model });
    // The open-request check is made under the lock only: a version that already has one is
    // rare, and its gates ahead are its open request's run, kept in the result cache.
    let baselineAhead: string | undefined;
    // The roles the request will wait for, as the read ahead found them (its policy, its change
    // type, the version's state): their holders are asked for at the transaction's start.
    let rolesAhead: string[] | undefined;
    const ahead = await evaluateAhead(deps, async (tx) => {
      const target = await requestTarget(tx, { principal, input, changeType, lock: false });
      const inputs = await readGateRunInputs(tx, target.gateRun);
      baselineAhead = inputs.baseline?.version;
      rolesAhead = rolesAsked(
        signOffRules(target.policy, { changeType }, target.check.transition).approvals,
      );
      return inputs;
    }).catch((error: unknown) => refuseDuplicateFirst(deps, input, error));
    return deps.store.transaction(
      async (tx) => {
        // The open-request check and the gate run's evidence are asked for by the names given,
        // with the model's lock and the version (ADR 049: one round trip). A model is found only
        // by its exact name, so they are the found model's and version's; the baseline's evidence
        // is used only if production is still the version read ahead. Their answers wait for the
        // target's own refusals, which still come first.
        const named = { model: input.model, version: input.version };
        const openChecked = startedEarly(assertNoOpenRequest(tx, named));
        const known = knownEvidence(tx, { ...named, baseline: baselineAhead });
        // Used only if every role the transaction waits for is among them (a policy changed in
        // between may ask for others).
        const holders =
          rolesAhead === undefined || rolesAhead.length === 0
            ? undefined
            : holdersAskedEarly(tx, { roles: rolesAhead, model: input.model });
        const target = await requestTarget(tx, { principal, input, changeType, lock: true });
        const { model, policy, version, check, bypass } = target;
        const [, run] = await together([
          openChecked,
          runGates(deps, tx, target.gateRun, ahead, known),
        ]);
        const time = deps.clock.now().toISOString();
        const id = deps.ids.next();
        // The row is written once, already naming the decision recorded below in the same
        // transaction (no key ties the two; nothing reads the row in between).
        const decisionId = deps.ids.next();
        const request: TransitionRequest = {
          id,
          model: model.name,
          version: version.version,
          from: version.state,
          to: input.to,
          changeType,
          reason: input.reason,
          ...(input.ticket ? { ticket: input.ticket } : {}),
          requestedBy: principal.id,
          requestedAt: time,
          status: 'pending',
          policyDigest: model.policyDigest,
          evidenceDigest: run.evidenceDigest,
          decisionId,
        };
        const rules = signOffRules(policy, request, check.transition);
        const decision = decisionRecord(deps, {
          kind: 'gates',
          at: time,
          request,
          run,
          bypass,
          id: decisionId,
        });
        // Who holds the roles it waits for: answered in the first round trip when asked for ahead.
        const awaiting = await roleHolders(tx, {
          model: request.model,
          needed: rules.approvals,
          known: holders,
        });
        // The row, its audit entry, the gates' decision and the event asking for sign-offs, sent
        // together (ADR 049): none reads what another writes.
        await together([
          tx.requests.insert(request),
          tx.audit.append(
            auditRecord({
              actor: principal,
              time,
              action: 'transition.requested',
              subject: { type: 'request', id: request.id },
              reason: request.reason,
              ticket: request.ticket,
              digests: {
                policy: request.policyDigest,
                evidence: request.evidenceDigest,
                artifact: version.artifactDigest,
              },
              data: {
                model: model.name,
                version: version.version,
                from: request.from,
                to: request.to,
                changeType,
              },
            }),
          ),
          storeDecision(deps, tx, { actor: principal, request, run, decision }),
          awaiting.length === 0
            ? undefined
            : emit(tx, deps, {
                type: 'approval.requested',
                at: time,
                subject: requestSubject(request),
                data: { request: requestSummary(request), awaiting },
              }),
        ]);
        return { request, decision };
      },
      { model: input.model },
    );
  });
}

/**
 * The model (locked in the write transaction), its policy, the version, the request check and
 * the gate run the request evaluates: read the same way ahead of the transaction and inside it.
 */
async function requestTarget(
  tx: Repositories,
  args: {
    principal: Principal;
    input: RequestTransitionInput;
    changeType: ChangeType;
    lock: boolean;
  },
) {
  const { input, changeType } = args;
  // The production baseline beside the version, in one statement, for the gate run; sent just
  // before the model's lock, in the same round trip (ADR 049: a model's name is matched exactly,
  // so a model found is named as asked). It is current although it goes out first: a write
  // transaction holds the store's write lock from its start (SQLite's; on PostgreSQL the
  // advisory lock every write transaction of every server takes, ADR 017), so nothing else
  // writes between the read and the row lock.
  const beside = startedEarly(tx.versions.getBeside(input.model, input.version, 'production'));
  const model = await loadModel(tx, input.model, { forUpdate: args.lock });
  const policy = await loadPolicy(tx, model.policyDigest);
  const { version, inState: production } = await beside;
  if (!version) {
    throw notFound(`Version ${input.model}@${input.version}`, 'Register the version first.');
  }
  const check = checkTransitionRequest({
    policy,
    from: version.state,
    to: input.to,
    changeType,
    roles: rolesFor(args.principal, model.name),
    reason: input.reason,
    ...(input.ticket !== undefined ? { ticket: input.ticket } : {}),
  });
  if (!check.ok) throw refusalError(check.refusal);
  const bypass = changeType === 'emergency' ? (policy.changeTypes.emergency?.bypass ?? []) : [];
  const gateRun = {
    policy,
    transition: check.transition,
    model: model.name,
    version: version.version,
    bypass,
    production,
  };
  return { model, policy, version, check, bypass, gateRun };
}

/**
 * A gate run refused `busy` ahead of the transaction: a request the transaction would refuse as a
 * duplicate is answered `conflict`, as it always was, not told to retry a request that can never
 * succeed. Any other failure, and `busy` for a version without an open request, is rethrown.
 */
async function refuseDuplicateFirst(
  deps: AppDeps,
  input: RequestTransitionInput,
  error: unknown,
): Promise<never> {
  if (error instanceof ClearanceError && error.code === 'busy') {
    const named = { model: input.model, version: input.version };
    await deps.store.readAhead((tx) => assertNoOpenRequest(tx, named));
  }
  throw error;
}

/** One open request per version: a second one would race the first for the same state. */
async function assertNoOpenRequest(
  tx: Repositories,
  input: { model: string; version: string },
): Promise<void> {
  const open = await tx.requests.list({ model: input.model, status: ['pending', 'approved'] });
  const clash = open.find((r) => r.version === input.version);
  if (!clash) return;
  const message = `Version ${input.model}@${input.version} already has open request ${clash.id} (${clash.from} → ${clash.to}).`;
  throw new ClearanceError('conflict', message, {
    problems: [{ message, fix: `Execute or cancel request ${clash.id} first.` }],
  });
}
