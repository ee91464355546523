/**
 * People, their role bindings and their API tokens, as the registry keeps them. A token's secret
 * is never a field here: the record holds only its hash, and listings drop even that.
 */
import type { RoleBinding } from './registry.js';

export interface User {
  /** The name principals and audit entries carry, e.g. `olga.owner`. */
  id: string;
  displayName?: string;
  team?: string;
  /** Where notification emails go (routing rules); none when the user gave no address. */
  email?: string;
  createdAt: string;
  createdBy: string;
  /**
   * Set while the account is disabled (offboarding): every credential of the user is refused,
   * API tokens and OIDC alike. Absent for an account in use.
   */
  disabledAt?: string;
}

/** A role binding as stored: who holds it, since when, granted by whom. */
export interface RoleGrant extends RoleBinding {
  id: string;
  userId: string;
  grantedAt: string;
  grantedBy: string;
}

export interface ApiTokenRecord {
  /** The public part of `clr_<id>_<secret>`. */
  id: string;
  userId: string;
  /** `hashTokenSecret(secret)`: the secret itself is shown once and never stored. */
  hashedSecret: string;
  description: string;
  createdAt: string;
  createdBy: string;
  expiresAt?: string;
  revokedAt?: string;
  revokedBy?: string;
}

/** A token as listings and responses show it: without its hash. */
export type ApiTokenView = Omit<ApiTokenRecord, 'hashedSecret'>;

/** A user with the roles bound to them. */
export interface UserView extends User {
  roles: RoleBinding[];
}

export function tokenView(record: ApiTokenRecord): ApiTokenView {
  const { hashedSecret: _hash, ...view } = record;
  return view;
}
