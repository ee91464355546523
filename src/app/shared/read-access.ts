/**
 * Who may read what. The registry's shape (models, versions, serving) is for anyone the service
 * knows to work on models: an authenticated principal holding at least one role. One model's
 * requests and decisions (reasons, approvers, evidence) are for those holding a role that holds
 * for that model — global roles, auditor and admin included. A token whose user holds no role
 * reads nothing: an account being set up, or one whose roles were revoked.
 */
import type { Principal } from '../../domain/index.js';
import type { AppDeps } from './app-deps.js';
import { forbidden, guarded, rolesFor } from './authorise.js';

function mayRead(principal: Principal, model: string | undefined): boolean {
  if (principal.kind === 'system') return true;
  return model === undefined ? principal.roles.length > 0 : rolesFor(principal, model).length > 0;
}

/**
 * Whether one model's records may be shown to the principal: what a list across models keeps of
 * its rows, so it never shows a record that the read of that one record would refuse.
 */
export function canReadModel(principal: Principal, model: string): boolean {
  return mayRead(principal, model);
}

/**
 * Throws `forbidden` unless the principal may read `model`'s records: the first check of every
 * use case that acts on a named model (or on a request or rollout of one), before any lookup, so
 * that a caller who may not read the model is answered alike whether it exists or not, and learns
 * nothing of its versions, policy or requests from a refusal (ADR 040). It reads nothing: the
 * principal's roles came with it. `what` names a record of the model the caller acted on.
 */
export function assertMayReadModel(input: {
  principal: Principal;
  model: string;
  what?: string;
}): void {
  const { principal, model } = input;
  if (mayRead(principal, model)) return;
  const message =
    input.what === undefined
      ? `${principal.id} may not act on model ${model}: it holds no role on it.`
      : `${principal.id} may not act on ${input.what}: it holds no role on model ${model}.`;
  throw forbidden(message, 'Ask an admin for a role on the model, or check its name.');
}

/** `assertMayReadModel` as a step of its own, a refusal audited as `access.denied`. */
export function guardedModelAccess(
  deps: AppDeps,
  input: {
    principal: Principal;
    model: string;
    action: string;
    subject: { type: string; id: string };
  },
): Promise<void> {
  const { principal, model, action, subject } = input;
  return guarded(deps, { actor: principal, action, subject }, async () =>
    assertMayReadModel({ principal, model }),
  );
}

/** Throws `forbidden` unless the principal may read `what` (of `model`, when given). */
function assertMayRead(input: { principal: Principal; model?: string; what: string }): void {
  if (mayRead(input.principal, input.model)) return;
  const scope =
    input.model === undefined ? 'it holds no role' : `it holds no role on model ${input.model}`;
  throw forbidden(
    `${input.principal.id} may not read ${input.what}: ${scope}.`,
    'Ask an admin for a role on the model, or for the auditor role.',
  );
}

/** Runs a read after `assertMayRead`; a refusal is audited as `access.denied`. */
export async function guardedRead<T>(
  deps: AppDeps,
  input: {
    principal: Principal;
    action: string;
    subject: { type: string; id: string };
    model?: string;
    what: string;
  },
  read: () => Promise<T>,
): Promise<T> {
  const { principal, action, subject, what } = input;
  return guarded(deps, { actor: principal, action, subject }, async () => {
    assertMayRead({
      principal,
      what,
      ...(input.model === undefined ? {} : { model: input.model }),
    });
    return read();
  });
}
