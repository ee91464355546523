/**
 * Offboarding: a user's account disabled, and enabled again. While disabled every credential of
 * the user is refused at authentication (`src/auth/identity.ts`); tokens, role bindings and the
 * sign-offs already given are kept (docs/security.md "Offboarding").
 */
import { notFound, type Principal, type User } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { guarded } from '../shared/authorise.js';
import { assertGlobalRole } from './identity-rules.js';
import { assertAnotherAdminRemains } from './last-admin.js';

/**
 * Sets the account disabled (`disable`) or in use; global admins only. Idempotent: an account
 * already so is answered as it is, and nothing is written. Otherwise the change and its
 * `user.disabled` or `user.enabled` entry are one transaction. The last enabled global admin is
 * not disabled (`conflict`).
 */
async function setAccountDisabled(
  deps: AppDeps,
  principal: Principal,
  input: { id: string },
  disable: boolean,
): Promise<User> {
  const subject = { type: 'user', id: input.id };
  const action = disable ? 'user.disable' : 'user.enable';
  return guarded(deps, { actor: principal, action, subject }, () =>
    deps.store.transaction(async (tx) => {
      assertGlobalRole({
        principal,
        roles: ['admin'],
        action: disable ? 'disable users' : 'enable users',
      });
      const user = await tx.identity.getUser(input.id);
      if (user === undefined) throw notFound(`User ${input.id}`, 'Check the id in the user list.');
      if ((user.disabledAt !== undefined) === disable) return user;
      if (disable) {
        await assertAnotherAdminRemains(tx, { userId: input.id, change: `Disabling ${input.id}` });
      }
      const time = deps.clock.now().toISOString();
      await tx.identity.setDisabledAt(input.id, disable ? time : undefined);
      await tx.audit.append(
        auditRecord({
          actor: principal,
          time,
          action: disable ? 'user.disabled' : 'user.enabled',
          subject,
          data: {},
        }),
      );
      const { disabledAt: _was, ...rest } = user;
      return disable ? { ...rest, disabledAt: time } : rest;
    }),
  );
}

/** Disables the account: its tokens and OIDC sign-ins are refused from the next request on. */
export function disableUser(
  deps: AppDeps,
  principal: Principal,
  input: { id: string },
): Promise<User> {
  return setAccountDisabled(deps, principal, input, true);
}

/** Enables a disabled account again: its tokens (unless revoked) authenticate again. */
export function enableUser(
  deps: AppDeps,
  principal: Principal,
  input: { id: string },
): Promise<User> {
  return setAccountDisabled(deps, principal, input, false);
}
