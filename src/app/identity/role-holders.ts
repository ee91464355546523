import type { ApprovalRequirement } from '../../domain/index.js';
import type { Repositories } from '../shared/ports.js';
import { startedEarly } from '../shared/read-together.js';

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
  input: {
    model: string;
    needed: readonly ApprovalRequirement[];
    excluding?: readonly string[];
    /** The holders of some roles for the model, asked for earlier in `tx` (`holdersAskedEarly`). */
    known?: ReturnType<typeof holdersAskedEarly> | undefined;
  },
): Promise<RoleAwaited[]> {
  const asked = rolesAsked(input.needed);
  const held =
    asked.length === 0
      ? []
      : input.known !== undefined && asked.every((role) => input.known?.roles.includes(role))
        ? await input.known.read
        : await tx.identity.holdersOfRoles({ roles: asked, model: input.model });
  const awaiting: RoleAwaited[] = [];
  for (const { role, count } of input.needed) {
    if (count < 1) continue;
    // By user id, each user once (a global and a per-model binding are one holder).
    const holders = new Map<string, RoleAwaited['holders'][number]>();
    for (const holding of held) {
      if (holding.role !== role || holders.has(holding.userId)) continue;
      if (input.excluding?.includes(holding.userId) || holding.disabledAt !== undefined) continue;
      const { userId, displayName } = holding;
      holders.set(userId, { userId, ...(displayName ? { displayName } : {}) });
    }
    awaiting.push({ role, needed: count, holders: [...holders.values()] });
  }
  return awaiting;
}

/**
 * The holders of `roles` for `model`, asked for now in `tx`, before the caller knows for sure
 * which roles it will wait for (ADR 049): `roleHolders` takes them only if every role it needs is
 * among `roles`, and reads again otherwise.
 */
export function holdersAskedEarly(
  tx: Repositories,
  input: { roles: readonly string[]; model: string },
): { roles: readonly string[]; read: ReturnType<Repositories['identity']['holdersOfRoles']> } {
  return { roles: input.roles, read: startedEarly(tx.identity.holdersOfRoles(input)) };
}

/** The roles whose holders `roleHolders` reads for `needed`: each once, in the order needed. */
export function rolesAsked(needed: readonly ApprovalRequirement[]): string[] {
  return [...new Set(needed.filter(({ count }) => count >= 1).map(({ role }) => role))];
}
