/** Reads of users and tokens. Token hashes never leave here; denied reads are audited too. */
import type { ApiTokenView, Principal, RoleBinding, UserView } from '../../domain/index.js';
import { tokenView } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { guarded } from '../shared/authorise.js';
import { assertGlobalRole } from './identity-rules.js';

const readers = ['admin', 'auditor'] as const;

/** Every user with their role bindings; global admins and auditors. */
export async function listUsers(deps: AppDeps, principal: Principal): Promise<UserView[]> {
  const subject = { type: 'user', id: '*' };
  return guarded(deps, { actor: principal, action: 'user.list', subject }, () =>
    deps.store.read(async (tx) => {
      assertGlobalRole({ principal, roles: readers, action: 'list users' });
      const grants = await tx.identity.listRoleGrants();
      const users = await tx.identity.listUsers();
      return users.map((user) => ({
        ...user,
        roles: grants
          .filter((g) => g.userId === user.id)
          .map(
            (g): RoleBinding =>
              g.model === undefined ? { role: g.role } : { role: g.role, model: g.model },
          ),
      }));
    }),
  );
}

/**
 * API tokens without their hashes. Without `userId`, admins and auditors see every token and
 * anyone else their own; another user's tokens need admin or auditor.
 */
export async function listTokens(
  deps: AppDeps,
  principal: Principal,
  input: { userId?: string | undefined } = {},
): Promise<ApiTokenView[]> {
  const privileged = principal.roles.some(
    (b) => b.model === undefined && (readers as readonly string[]).includes(b.role),
  );
  const userId = input.userId ?? (privileged ? undefined : principal.id);
  const subject = { type: 'user', id: userId ?? '*' };
  return guarded(deps, { actor: principal, action: 'token.list', subject }, () =>
    deps.store.read(async (tx) => {
      if (userId !== principal.id) {
        assertGlobalRole({ principal, roles: readers, action: 'list other users’ API tokens' });
      }
      return (await tx.identity.listTokens(userId)).map(tokenView);
    }),
  );
}

/** The caller: id, kind, roles, and its user record when it has one. */
export type Me = Principal & { user?: UserView };

/** The caller as the service sees it: id, kind, the roles it holds, and its user record if any. */
export async function whoAmI(deps: AppDeps, principal: Principal): Promise<Me> {
  const user = await deps.store.read((tx) => tx.identity.getUser(principal.id));
  const self = { id: principal.id, kind: principal.kind, roles: principal.roles };
  return user === undefined ? self : { ...self, user: { ...user, roles: principal.roles } };
}

/** False until the first user exists: the server then says how to bootstrap an admin. */
export async function hasUsers(deps: Pick<AppDeps, 'store'>): Promise<boolean> {
  return deps.store.read(async (tx) => (await tx.identity.countUsers()) > 0);
}
