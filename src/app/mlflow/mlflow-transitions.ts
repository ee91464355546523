/**
 * MLflow's promotion verbs under the policy: `transition-stage` and setting a governed alias do
 * not move a version by themselves. They open a transition request (or find the open one) and try
 * to execute it, through Clearance's own use cases; while gates fail or sign-offs are missing the
 * caller is refused with the reasons and a link to the request, and once the policy is satisfied
 * the same call executes it.
 */
import {
  ClearanceError,
  invalidInput,
  isClearanceError,
  type Principal,
  type TransitionRequest,
} from '../../domain/index.js';
import { getModel, getVersion } from '../registry/queries.js';
import type { AppDeps } from '../shared/app-deps.js';
import { loadPolicy } from '../shared/load-policy.js';
import { guardedModelAccess } from '../shared/read-access.js';
import { executeTransition } from '../transitions/execute-transition.js';
import { listRequests } from '../transitions/request-queries.js';
import { requestTransition } from '../transitions/request-transition.js';
import { assertAliasName, isGovernedAlias } from './mlflow-aliases.js';
import { setPlainAlias } from './mlflow-metadata.js';
import { getModelVersion, settingsOf } from './mlflow-queries.js';
import { type MlflowModelVersion, type MlflowStage, parseStage } from './mlflow-shapes.js';

/** The Clearance state a stage asks for, from the version's current state under its policy. */
async function targetState(
  deps: AppDeps,
  input: { model: string; policyDigest: string; from: string; stage: MlflowStage },
): Promise<string> {
  if (input.stage === 'Staging') return 'staging';
  if (input.stage === 'Production') return 'production';
  if (input.stage === 'None') {
    throw invalidInput(
      'Clearance never returns a version to stage None (draft).',
      'Register a new version instead, or archive this one.',
    );
  }
  const policy = await deps.store.readOne((tx) => loadPolicy(tx, input.policyDigest));
  const onward = policy.transitions.filter((t) => t.from === input.from).map((t) => t.to);
  const archived = ['archived', 'deprecated'].find((state) => onward.includes(state));
  if (archived === undefined) {
    throw invalidInput(
      `Model ${input.model}'s policy has no transition from ${input.from} to archived or deprecated.`,
      'Archive it from a state the policy allows (production → deprecated → archived by default).',
    );
  }
  return archived;
}

const linkTo = (deps: AppDeps, request: TransitionRequest) =>
  `${settingsOf(deps).publicUrl.replace(/\/$/, '')}/api/v1/requests/${request.id}`;

/** The open request of the version towards `to`, or a new one. */
async function openRequestFor(
  deps: AppDeps,
  principal: Principal,
  input: { model: string; version: string; to: string; verb: string },
): Promise<TransitionRequest> {
  const open = await listRequests(deps, principal, {
    model: input.model,
    version: input.version,
    status: ['pending', 'approved'],
  });
  const same = open.find((r) => r.to === input.to);
  if (same) return same;
  const other = open[0];
  if (other) {
    throw new ClearanceError(
      'precondition_failed',
      `Version ${input.model}@${input.version} has open request ${other.id} (${other.from} → ${other.to}); cancel it before asking for ${input.to}: ${linkTo(deps, other)}`,
    );
  }
  try {
    const opened = await requestTransition(deps, principal, {
      model: input.model,
      version: input.version,
      to: input.to,
      reason: `Requested through the MLflow API (${input.verb}).`,
    });
    return opened.request;
  } catch (error) {
    // Two MLflow calls at once: the other opened the request first, so this one joins it.
    if (!(isClearanceError(error) && error.code === 'conflict')) throw error;
    const now = await listRequests(deps, principal, {
      model: input.model,
      version: input.version,
      status: ['pending', 'approved'],
    });
    const joined = now.find((r) => r.to === input.to);
    if (!joined) throw error;
    return joined;
  }
}

/** Refusals of the execution, reworded for an MLflow user: what is missing and where to look. */
function governanceRefusal(deps: AppDeps, request: TransitionRequest, error: ClearanceError) {
  const reasons = error.problems.map((p) => p.message).filter((m) => m !== error.message);
  const detail = reasons.length > 0 ? reasons.join(' ') : error.message;
  const message = `Clearance governs ${request.model} version ${request.version}: ${request.from} → ${request.to} waits for transition request ${request.id}. ${detail} Approvals are recorded through Clearance; call again once the policy is satisfied. ${linkTo(deps, request)}`;
  // Still refused either way: a caller without the role, or a policy not yet satisfied.
  const code = error.code === 'forbidden' ? 'forbidden' : 'precondition_failed';
  return new ClearanceError(code, message, { problems: [{ message }], cause: error });
}

async function governedMove(
  deps: AppDeps,
  principal: Principal,
  input: { model: string; version: string; stage: MlflowStage; verb: string },
): Promise<MlflowModelVersion> {
  const subject = { type: 'version', id: `${input.model}@${input.version}` };
  // Before the model is looked up (ADR 040).
  const access = { principal, model: input.model, action: 'transition.request', subject };
  await guardedModelAccess(deps, access);
  const model = await getModel(deps, principal, { name: input.model });
  const version = await getVersion(deps, principal, { model: model.name, version: input.version });
  const to = await targetState(deps, {
    model: model.name,
    policyDigest: model.policyDigest,
    from: version.state,
    stage: input.stage,
  });
  if (version.state !== to) {
    const request = await openRequestFor(deps, principal, { ...input, to });
    try {
      await executeTransition(deps, principal, { requestId: request.id });
    } catch (error) {
      const governed = ['precondition_failed', 'forbidden', 'conflict'];
      if (isClearanceError(error) && governed.includes(error.code))
        throw governanceRefusal(deps, request, error);
      throw error;
    }
  }
  return getModelVersion(deps, principal, { name: model.name, version: input.version });
}

export async function transitionModelVersionStage(
  deps: AppDeps,
  principal: Principal,
  input: { name: string; version: string; stage: string },
): Promise<MlflowModelVersion> {
  const stage = parseStage(input.stage);
  if (stage === undefined) {
    throw invalidInput(
      `Invalid Model Version stage: ${input.stage}.`,
      'Use one of None, Staging, Production, Archived.',
    );
  }
  return governedMove(deps, principal, {
    model: input.name,
    version: input.version,
    stage,
    verb: 'transition-stage',
  });
}

/**
 * A governed alias names the production version, so setting it asks for that version's
 * promotion to production; any other alias is a plain pointer (mlflow-metadata.ts).
 */
export async function setRegisteredModelAlias(
  deps: AppDeps,
  principal: Principal,
  input: { name: string; alias: string; version: string },
): Promise<void> {
  assertAliasName(input.alias);
  if (!isGovernedAlias(input.alias, settingsOf(deps).governedAliases))
    return setPlainAlias(deps, principal, input);
  await governedMove(deps, principal, {
    model: input.name,
    version: input.version,
    stage: 'Production',
    verb: `set alias ${input.alias}`,
  });
}
