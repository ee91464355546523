/**
 * The opening of a use case that changes one model: a guarded transaction (a `forbidden` refusal
 * is audited as `access.denied`) holding the model row's lock, entered only once the principal
 * holds one of the roles that may make the change. A principal who may not read the model is
 * refused before anything is read, alike whether it exists or not (ADR 040).
 */
import type { Model, Policy, Principal } from '../../domain/index.js';
import type { AppDeps } from './app-deps.js';
import { assertAnyRole, guarded } from './authorise.js';
import { loadModel, loadPolicy } from './load-policy.js';
import type { Repositories } from './ports.js';
import { assertMayReadModel } from './read-access.js';

export function changeModel<T>(
  deps: AppDeps,
  input: {
    principal: Principal;
    model: string;
    /** The action audited, and the subject a refusal is recorded against. */
    audit: { action: string; subject: { type: string; id: string } };
    /** The roles that may make the change (one suffices) under the model's policy, and what a refusal names. */
    authority: (policy: Policy) => { roles: readonly string[]; action: string };
  },
  run: (tx: Repositories, opened: { model: Model; policy: Policy }) => Promise<T>,
): Promise<T> {
  const { principal, audit } = input;
  return guarded(deps, { actor: principal, ...audit }, () => {
    assertMayReadModel({ principal, model: input.model });
    return deps.store.transaction(async (tx) => {
      const model = await loadModel(tx, input.model, { forUpdate: true });
      const policy = await loadPolicy(tx, model.policyDigest);
      assertAnyRole({ principal, model: model.name, ...input.authority(policy) });
      return run(tx, { model, policy });
    });
  });
}

/** Authority for changes only an admin makes. */
export const adminOnly = (action: string) => (): { roles: readonly string[]; action: string } => ({
  roles: ['admin'],
  action,
});
