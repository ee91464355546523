import {
  assertTextWithin,
  ClearanceError,
  invalidInput,
  type Model,
  maxModelDescriptionBytes,
  maxOwnerTeamBytes,
  notFound,
  type Principal,
  type RiskTier,
  riskTiers,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { assertAnyRole, guarded } from '../shared/authorise.js';
import type { Repositories } from '../shared/ports.js';
import { parsePolicyText, storePolicy } from './register-policy.js';

const namePattern = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export interface ModelInput {
  name: string;
  ownerTeam: string;
  riskTier: RiskTier;
  description?: string;
}

/** Name, owner team, description and risk tier checked before anything is written. */
export function assertModelInput(input: ModelInput): void {
  if (!namePattern.test(input.name)) {
    throw invalidInput(
      `Model name "${input.name}" is not allowed.`,
      'Use lowercase letters, digits, ".", "_" or "-", starting with a letter or digit (at most 100).',
    );
  }
  if (input.ownerTeam.trim() === '')
    throw invalidInput('The owner team is empty.', 'Name the team that owns the model.');
  assertTextWithin({ field: 'owner team', value: input.ownerTeam, maxBytes: maxOwnerTeamBytes });
  if (input.description !== undefined) {
    const maxBytes = maxModelDescriptionBytes;
    assertTextWithin({ field: 'model description', value: input.description, maxBytes });
  }
  if (!riskTiers.includes(input.riskTier)) {
    throw invalidInput(
      `Risk tier "${input.riskTier}" is unknown.`,
      `Use one of ${riskTiers.join(', ')}.`,
    );
  }
}

/** Registers a model under a registered policy; admins only. */
export async function registerModel(
  deps: AppDeps,
  principal: Principal,
  input: ModelInput & { policyDigest: string },
): Promise<Model> {
  assertModelInput(input);
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
      return insertModel(tx, { deps, principal, model: input });
    }),
  );
}

export interface RegisterModelInput {
  name: string;
  ownerTeam: string;
  description?: string;
  /** The policy YAML; registered (idempotently) and put in force for the model. */
  policy: string;
}

/**
 * Registers a policy's text (idempotently) and a model governed by it, in one transaction: a
 * refused model (bad input, a name already taken, no admin role) leaves no policy and no
 * `policy.registered` entry behind. The risk tier is the policy's. Admins only.
 */
export async function registerModelWithPolicy(
  deps: AppDeps,
  principal: Principal,
  input: RegisterModelInput,
): Promise<Model> {
  const parsed = parsePolicyText({ text: input.policy });
  const model: ModelInput & { policyDigest: string } = {
    name: input.name,
    ownerTeam: input.ownerTeam,
    riskTier: parsed.policy.metadata.riskTier,
    policyDigest: parsed.digest,
    ...(input.description ? { description: input.description } : {}),
  };
  assertModelInput(model);
  const subject = { type: 'model', id: input.name };
  return guarded(deps, { actor: principal, action: 'model.register', subject }, () =>
    deps.store.transaction(async (tx) => {
      assertAnyRole({ principal, model: input.name, roles: ['admin'], action: 'register a model' });
      assertAnyRole({
        principal,
        model: parsed.policy.metadata.name,
        roles: ['admin'],
        action: 'register a policy',
      });
      if (await tx.models.get(input.name)) {
        throw new ClearanceError('conflict', `Model ${input.name} is already registered.`, {
          problems: [
            {
              message: `Model ${input.name} is already registered.`,
              fix: 'Choose another name, or register a version of the existing model.',
            },
          ],
        });
      }
      await storePolicy(tx, { deps, principal, parsed });
      return insertModel(tx, { deps, principal, model });
    }),
  );
}

/** Inside the caller's transaction: the model, its empty serving row and `model.registered`. */
export async function insertModel(
  tx: Repositories,
  input: { deps: AppDeps; principal: Principal; model: ModelInput & { policyDigest: string } },
): Promise<Model> {
  const { principal } = input;
  const time = input.deps.clock.now().toISOString();
  const model: Model = {
    name: input.model.name,
    ownerTeam: input.model.ownerTeam,
    riskTier: input.model.riskTier,
    policyDigest: input.model.policyDigest,
    ...(input.model.description ? { description: input.model.description } : {}),
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
      subject: { type: 'model', id: model.name },
      digests: { policy: model.policyDigest },
      data: { ownerTeam: model.ownerTeam, riskTier: model.riskTier },
    }),
  );
  return model;
}
