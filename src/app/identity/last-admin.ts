/**
 * The last enabled global admin is kept: identity is administered over HTTP by global admins only,
 * so without one nobody could grant a role, enable an account or revoke a token except the
 * operator on the database (`clearance admin …`, the break-glass path; docs/security.md).
 */
import { ClearanceError } from '../../domain/index.js';
import type { Repositories } from '../shared/ports.js';

/**
 * Throws `conflict` when `userId` is an enabled global admin and no other stored user is one.
 * Run in the write transaction of the change it guards, before the change: write transactions
 * queue on the database's one write lock, so two admins removing each other at once are judged
 * one after the other and the second sees the first's change.
 */
export async function assertAnotherAdminRemains(
  tx: Repositories,
  change: { userId: string; change: string },
): Promise<void> {
  const admins = new Set(
    (await tx.identity.listRoleGrants())
      .filter((g) => g.role === 'admin' && g.model === undefined)
      .map((g) => g.userId),
  );
  if (!admins.has(change.userId)) return;
  if ((await tx.identity.getUser(change.userId))?.disabledAt !== undefined) return;
  for (const other of admins) {
    if (other === change.userId) continue;
    const user = await tx.identity.getUser(other);
    if (user !== undefined && user.disabledAt === undefined) return;
  }
  const message = `${change.change} would leave no enabled global admin: ${change.userId} is the last one.`;
  throw new ClearanceError('conflict', message, {
    problems: [
      {
        message,
        fix: 'Grant the global admin role to another user first (POST /api/v1/users/{id}/roles {"role":"admin"}), or enable a disabled admin.',
      },
    ],
  });
}
