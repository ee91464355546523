/**
 * Role bindings granted and revoked. Both set a state rather than ask for a change: granting a
 * role already held, or revoking one not held, answers the state as it is and writes nothing,
 * neither the binding nor an audit entry (ADR 032).
 */
import { notFound, type Principal, type RoleBinding, type RoleGrant } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { type AuditFacts, auditRecord } from '../shared/audit-record.js';
import { guarded } from '../shared/authorise.js';
import type { Repositories } from '../shared/ports.js';
import { assertGlobalRole, assertRoleBinding, bindingOf } from './identity-rules.js';
import { assertAnotherAdminRemains } from './last-admin.js';

export interface RoleChangeInput {
  userId: string;
  role: string;
  /** Absent: the role holds for every model. */
  model?: string | undefined;
}

/** What `grantRole` answers: the binding, and whether this call created it. */
export interface RoleGrantResult {
  grant: RoleGrant;
  /** False when the user already held the role: the grant shown is the earlier one. */
  created: boolean;
}

/**
 * Binds the role and writes its `role.changed` entry in the caller's transaction; a binding the
 * user already holds is a conflict (the store's unique index).
 */
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

/** The user's grant of exactly `binding`, if they hold it. */
async function heldGrant(
  tx: Repositories,
  userId: string,
  binding: RoleBinding,
): Promise<RoleGrant | undefined> {
  const grants = await tx.identity.listRoleGrants();
  return grants.find(
    (g) => g.userId === userId && g.role === binding.role && g.model === binding.model,
  );
}

/**
 * Grants a role globally or on one model; global admins only. A role the user already holds is
 * answered with its earlier grant (`created: false`), and nothing is written.
 */
export async function grantRole(
  deps: AppDeps,
  principal: Principal,
  input: RoleChangeInput,
): Promise<RoleGrantResult> {
  const binding = bindingOf(input);
  assertRoleBinding(binding);
  const subject = { type: 'user', id: input.userId };
  return guarded(deps, { actor: principal, action: 'role.grant', subject }, () =>
    deps.store.transaction(async (tx) => {
      assertGlobalRole({ principal, roles: ['admin'], action: 'grant roles' });
      await assertTargets(tx, input.userId, binding);
      const held = await heldGrant(tx, input.userId, binding);
      if (held !== undefined) return { grant: held, created: false };
      const time = deps.clock.now().toISOString();
      const grant = await insertRoleGrant(tx, {
        deps,
        binding,
        userId: input.userId,
        actor: principal,
        time,
      });
      return { grant, created: true };
    }),
  );
}

/**
 * Removes a role binding; global admins only. The audit log keeps the history. A binding the
 * user does not hold is left as it is (`revoked: false`), and nothing is written; an unknown user
 * is `not_found`; the global admin role of the last enabled global admin is kept (`conflict`).
 */
export async function revokeRole(
  deps: AppDeps,
  principal: Principal,
  input: RoleChangeInput,
): Promise<{ revoked: boolean }> {
  const binding = bindingOf(input);
  assertRoleBinding(binding);
  const subject = { type: 'user', id: input.userId };
  return guarded(deps, { actor: principal, action: 'role.revoke', subject }, () =>
    deps.store.transaction(async (tx) => {
      assertGlobalRole({ principal, roles: ['admin'], action: 'revoke roles' });
      if (!(await tx.identity.getUser(input.userId))) {
        throw notFound(`User ${input.userId}`, 'Check the id in the user list.');
      }
      if (binding.role === 'admin' && binding.model === undefined) {
        const change = `Revoking the global admin role of ${input.userId}`;
        await assertAnotherAdminRemains(tx, { userId: input.userId, change });
      }
      if (!(await tx.identity.revokeRole(input.userId, binding))) return { revoked: false };
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
      return { revoked: true };
    }),
  );
}
