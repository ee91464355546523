import { ClearanceError, type Model, type Principal, type RiskTier } from '../domain/index.js';
import type { AppDeps } from './app-deps.js';
import { auditRecord } from './audit-record.js';
import { assertAnyRole, guarded } from './authorise.js';
import { notFound } from './load-policy.js';

const namePattern = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const riskTiers: readonly RiskTier[] = ['low', 'medium', 'high', 'regulated', 'safety-critical'];

export function invalidInput(message: string, fix: string): ClearanceError {
  return new ClearanceError('invalid_input', message, { problems: [{ message, fix }] });
}

/** Registers a model under a registered policy; admins only. */
export async function registerModel(
  deps: AppDeps,
  principal: Principal,
  input: {
    name: string;
    ownerTeam: string;
    riskTier: RiskTier;
    policyDigest: string;
    description?: string;
  },
): Promise<Model> {
  if (!namePattern.test(input.name)) {
    throw invalidInput(
      `Model name "${input.name}" is not allowed.`,
      'Use lowercase letters, digits, ".", "_" or "-", starting with a letter or digit (at most 100).',
    );
  }
  if (input.ownerTeam.trim() === '')
    throw invalidInput('The owner team is empty.', 'Name the team that owns the model.');
  if (!riskTiers.includes(input.riskTier)) {
    throw invalidInput(
      `Risk tier "${input.riskTier}" is unknown.`,
      `Use one of ${riskTiers.join(', ')}.`,
    );
  }
  const subject = { type: 'model', id: input.name };
  return guarded(deps, { actor: principal, action: 'model.register', subject }, () =>
    deps.store.transaction(async (tx) => {
      assertAnyRole({ principal, model: input.name, roles: ['admin'], action: 'register a model' });
      if (!(await tx.policies.get(input.policyDigest))) {
        throw notFound(
          `Policy ${input.policyDigest}`,
          'Register the policy first and pass its digest.',
        );
      }
      const time = deps.clock.now().toISOString();
      const model: Model = {
        name: input.name,
        ownerTeam: input.ownerTeam,
        riskTier: input.riskTier,
        policyDigest: input.policyDigest,
        ...(input.description ? { description: input.description } : {}),
        createdAt: time,
        createdBy: principal.id,
      };
      await tx.models.insert(model);
      await tx.serving.set({ model: model.name });
      await tx.audit.append(
        auditRecord({
          actor: principal,
          time,
          action: 'model.registered',
          subject,
          digests: { policy: input.policyDigest },
          data: { ownerTeam: model.ownerTeam, riskTier: model.riskTier },
        }),
      );
      return model;
    }),
  );
}
