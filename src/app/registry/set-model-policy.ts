import type { Model, Principal } from '../../domain/index.js';
import { notFound } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { assertAnyRole, guarded } from '../shared/authorise.js';
import { loadModel } from '../shared/load-policy.js';

/**
 * Puts a registered policy in force for a model (admins only). Approvals given under the old
 * policy stop counting, because they are bound to the policy digest they saw.
 */
export async function setModelPolicy(
  deps: AppDeps,
  principal: Principal,
  input: { model: string; policyDigest: string; reason: string },
): Promise<Model> {
  const subject = { type: 'model', id: input.model };
  return guarded(deps, { actor: principal, action: 'model.set_policy', subject }, () =>
    deps.store.transaction(async (tx) => {
      const model = await loadModel(tx, input.model, { forUpdate: true });
      assertAnyRole({
        principal,
        model: model.name,
        roles: ['admin'],
        action: 'change the policy',
      });
      if (!(await tx.policies.get(input.policyDigest))) {
        throw notFound(`Policy ${input.policyDigest}`, 'Register the policy first.');
      }
      if (model.policyDigest === input.policyDigest) return model;
      await tx.models.setPolicy(model.name, input.policyDigest);
      await tx.audit.append(
        auditRecord({
          actor: principal,
          time: deps.clock.now().toISOString(),
          action: 'model.policy_changed',
          subject,
          reason: input.reason,
          digests: { policy: input.policyDigest, previousPolicy: model.policyDigest },
          data: {},
        }),
      );
      return { ...model, policyDigest: input.policyDigest };
    }),
  );
}
