import type { ApprovalRequirement } from '../../domain/index.js';
import type { Repositories } from '../shared/ports.js';

export interface RoleAwaited {
  role: string;
  needed: number;
  /**
   * Users stored in Clearance who hold the role for the model now and whose account is not
   * disabled (OIDC-only identities are not listed).
   */
  holders: { userId: string; displayName?: string }[];
}

/**
 * Who can give each sign-off still needed: the stored users holding the role for `model`
 * (globally or for that model), without those in `excluding` (a requester who may not sign) and
 * without disabled accounts (they cannot sign in).
 */
export async function roleHolders(
  tx: Repositories,
  input: { model: string; needed: readonly ApprovalRequirement[]; excluding?: readonly string[] },
): Promise<RoleAwaited[]> {
  const grants = await tx.identity.listRoleGrants();
  const awaiting: RoleAwaited[] = [];
  for (const { role, count } of input.needed) {
    if (count < 1) continue;
    const userIds = new Set(
      grants
        .filter((g) => g.role === role && (g.model === undefined || g.model === input.model))
        .map((g) => g.userId)
        .filter((userId) => !input.excluding?.includes(userId)),
    );
    const holders: RoleAwaited['holders'] = [];
    for (const userId of userIds) {
      const user = await tx.identity.getUser(userId);
      if (user?.disabledAt !== undefined) continue;
      holders.push({ userId, ...(user?.displayName ? { displayName: user.displayName } : {}) });
    }
    awaiting.push({ role, needed: count, holders });
  }
  return awaiting;
}
