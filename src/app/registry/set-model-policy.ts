import type { Model, Principal } from '../../domain/index.js';
import { notFound } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { adminOnly, changeModel } from '../shared/model-change.js';

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
  const opening = {
    principal,
    model: input.model,
    audit: { action: 'model.set_policy', subject },
    authority: adminOnly('change the policy'),
  };
  return changeModel(deps, opening, async (tx, { model }) => {
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
  });
}
