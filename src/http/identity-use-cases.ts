/** The identity routes' use cases: users, role bindings, API tokens and the caller itself. */
import {
  type AppDeps,
  type CreatedToken,
  createToken,
  createUser,
  grantRole,
  listTokens,
  listUsers,
  revokeRole,
  revokeToken,
  whoAmI,
} from '../app/index.js';
import type { ApiTokenView, Principal, RoleGrant, User, UserView } from '../domain/index.js';

export interface CreateUserBody {
  id: string;
  displayName?: string;
  team?: string;
}

export interface RoleBody {
  role: string;
  /** Absent: the role holds for every model. */
  model?: string;
}

export interface CreateTokenBody {
  /** Whose token; the caller's own when absent (admins may name anyone). */
  userId?: string;
  description?: string;
  /** RFC 3339; absent means until revoked. */
  expiresAt?: string;
}

/** The caller: id, kind, roles, and its user record when it has one. */
export type Me = Principal & { user?: UserView };

export interface IdentityUseCases {
  createUser(principal: Principal, input: CreateUserBody): Promise<User>;
  listUsers(principal: Principal): Promise<UserView[]>;
  grantRole(principal: Principal, input: RoleBody & { userId: string }): Promise<RoleGrant>;
  revokeRole(principal: Principal, input: RoleBody & { userId: string }): Promise<void>;
  /** The token's secret is in the result once and never again. */
  createToken(principal: Principal, input: CreateTokenBody): Promise<CreatedToken>;
  listTokens(principal: Principal, input: { userId?: string }): Promise<ApiTokenView[]>;
  revokeToken(principal: Principal, input: { id: string }): Promise<ApiTokenView>;
  me(principal: Principal): Promise<Me>;
}

export function bindIdentityUseCases(deps: AppDeps): IdentityUseCases {
  return {
    createUser: (principal, input) => createUser(deps, principal, input),
    listUsers: (principal) => listUsers(deps, principal),
    grantRole: (principal, input) => grantRole(deps, principal, input),
    revokeRole: (principal, input) => revokeRole(deps, principal, input),
    createToken: (principal, input) => createToken(deps, principal, input),
    listTokens: (principal, input) => listTokens(deps, principal, input),
    revokeToken: (principal, input) => revokeToken(deps, principal, input),
    me: (principal) => whoAmI(deps, principal),
  };
}
