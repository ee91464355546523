/** Users, role bindings, API tokens and the caller itself, as the edges call them. */
import type { ApiTokenView, Principal, User, UserView } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { type CreatedToken, type CreateTokenInput, createToken } from './create-token.js';
import { type CreateUserInput, createUser, setUserEmail } from './create-user.js';
import { disableUser, enableUser } from './disable-user.js';
import { grantRole, type RoleChangeInput, type RoleGrantResult, revokeRole } from './grant-role.js';
import { listTokens, listUsers, type Me, whoAmI } from './identity-queries.js';
import { revokeToken } from './revoke-token.js';

export interface IdentityUseCases {
  createUser(principal: Principal, input: CreateUserInput): Promise<User>;
  listUsers(principal: Principal): Promise<UserView[]>;
  /** Sets (or, with undefined, removes) the user's notification email; the user or an admin. */
  setUserEmail(
    principal: Principal,
    input: { id: string; email: string | undefined },
  ): Promise<User>;
  /**
   * Offboarding: every credential of the user refused until enabled again; admins. These, the
   * role changes and `revokeToken` set a state: a repeat answers it as it is and writes nothing.
   */
  disableUser(principal: Principal, input: { id: string }): Promise<User>;
  enableUser(principal: Principal, input: { id: string }): Promise<User>;
  grantRole(principal: Principal, input: RoleChangeInput): Promise<RoleGrantResult>;
  revokeRole(principal: Principal, input: RoleChangeInput): Promise<{ revoked: boolean }>;
  /** The token's secret is in the result once and never again. */
  createToken(principal: Principal, input: CreateTokenInput): Promise<CreatedToken>;
  listTokens(principal: Principal, input: { userId?: string }): Promise<ApiTokenView[]>;
  revokeToken(principal: Principal, input: { id: string }): Promise<ApiTokenView>;
  me(principal: Principal): Promise<Me>;
}

export function bindIdentityUseCases(deps: AppDeps): IdentityUseCases {
  return {
    createUser: (principal, input) => createUser(deps, principal, input),
    listUsers: (principal) => listUsers(deps, principal),
    setUserEmail: (principal, input) => setUserEmail(deps, principal, input),
    disableUser: (principal, input) => disableUser(deps, principal, input),
    enableUser: (principal, input) => enableUser(deps, principal, input),
    grantRole: (principal, input) => grantRole(deps, principal, input),
    revokeRole: (principal, input) => revokeRole(deps, principal, input),
    createToken: (principal, input) => createToken(deps, principal, input),
    listTokens: (principal, input) => listTokens(deps, principal, input),
    revokeToken: (principal, input) => revokeToken(deps, principal, input),
    me: (principal) => whoAmI(deps, principal),
  };
}
