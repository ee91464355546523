import {
  ClearanceError,
  notFound,
  type Principal,
  type RoleBinding,
  type RoleGrant,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { type AuditFacts, auditRecord } from '../shared/audit-record.js';
import { guarded } from '../shared/authorise.js';
import type { Repositories } from '../shared/ports.js';
import {
  assertGlobalRole,
  assertRoleBinding,
  bindingOf,
  describeBinding,
} from './identity-rules.js';

export interface RoleChangeInput {
  userId: string;
  role: string;
  /** Absent: the role holds for every model. */
  model?: string | undefined;
}

/** Binds the role and writes its `role.changed` entry in the caller's transaction. */
export async function insertRoleGrant(
  tx: Repositories,
  facts: {
    deps: AppDeps;
    binding: RoleBinding;
    userId: string;
    actor: AuditFacts['actor'];
    time: string;
  },
): Promise<RoleGrant> {
  const { binding, userId, actor, time } = facts;
  const held = await tx.identity.rolesOf(userId);
  if (held.some((b) => b.role === binding.role && b.model === binding.model)) {
    const message = `User ${userId} already holds role ${describeBinding(binding)}.`;
    throw new ClearanceError('conflict', message, {
      problems: [{ message, fix: 'Nothing to do; list the user’s roles with GET /api/v1/users.' }],
    });
  }
  const grant: RoleGrant = {
    id: facts.deps.ids.next(),
    userId,
    ...binding,
    grantedAt: time,
    grantedBy: actor.id,
  };
  await tx.identity.grantRole(grant);
  await tx.audit.append(
    auditRecord({
      actor,
      time,
      action: 'role.changed',
      subject: { type: 'user', id: userId },
      data: { change: 'granted', role: binding.role, model: binding.model },
    }),
  );
  return grant;
}

async function assertTargets(
  tx: Repositories,
  userId: string,
  binding: RoleBinding,
): Promise<void> {
  if (!(await tx.identity.getUser(userId))) {
    throw notFound(`User ${userId}`, 'Create the user first (POST /api/v1/users).');
  }
  if (binding.model !== undefined && !(await tx.models.get(binding.model))) {
    throw notFound(
      `Model ${binding.model}`,
      'Register the model first, or grant the role globally.',
    );
  }
}

/** Grants a role globally or on one model; global admins only. */
export async function grantRole(
  deps: AppDeps,
  principal: Principal,
  input: RoleChangeInput,
): Promise<RoleGrant> {
  const binding = bindingOf(input);
  assertRoleBinding(binding);
  const subject = { type: 'user', id: input.userId };
  return guarded(deps, { actor: principal, action: 'role.grant', subject }, () =>
    deps.store.transaction(async (tx) => {
      assertGlobalRole({ principal, roles: ['admin'], action: 'grant roles' });
      await assertTargets(tx, input.userId, binding);
      const time = deps.clock.now().toISOString();
      return insertRoleGrant(tx, { deps, binding, userId: input.userId, actor: principal, time });
    }),
  );
}

/** Removes a role binding; global admins only. The audit log keeps the history. */
export async function revokeRole(
  deps: AppDeps,
  principal: Principal,
  input: RoleChangeInput,
): Promise<void> {
  const binding = bindingOf(input);
  assertRoleBinding(binding);
  const subject = { type: 'user', id: input.userId };
  await guarded(deps, { actor: principal, action: 'role.revoke', subject }, () =>
    deps.store.transaction(async (tx) => {
      assertGlobalRole({ principal, roles: ['admin'], action: 'revoke roles' });
      if (!(await tx.identity.revokeRole(input.userId, binding))) {
        throw notFound(
          `Role ${describeBinding(binding)} of user ${input.userId}`,
          'List the user’s roles and revoke one it holds.',
        );
      }
      const time = deps.clock.now().toISOString();
      await tx.audit.append(
        auditRecord({
          actor: principal,
          time,
          action: 'role.changed',
          subject,
          data: { change: 'revoked', role: binding.role, model: binding.model },
        }),
      );
    }),
  );
}
