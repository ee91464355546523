import { ClearanceError, type User } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord, systemActor } from '../shared/audit-record.js';
import { type CreatedToken, insertToken } from './create-token.js';
import { insertUser } from './create-user.js';
import { insertRoleGrant } from './grant-role.js';
import { assertUserId } from './identity-rules.js';

/**
 * Creates the first user with the global `admin` role and an API token, in one transaction,
 * audited as `system:bootstrap`. Refused with `conflict` once any user exists: after that, admins
 * create users through the API.
 */
export async function bootstrapAdmin(
  deps: AppDeps,
  input: { userId: string; displayName?: string; description?: string },
): Promise<{ user: User; token: CreatedToken }> {
  assertUserId(input.userId);
  const actor = systemActor('bootstrap');
  return deps.store.transaction(async (tx) => {
    const time = deps.clock.now().toISOString();
    // Appending first takes the audit log's write lock, so two bootstraps racing on PostgreSQL
    // (read committed) queue here and the second one counts the first one's user.
    await tx.audit.append(
      auditRecord({
        actor,
        time,
        action: 'identity.bootstrap',
        subject: { type: 'user', id: input.userId },
      }),
    );
    if ((await tx.identity.countUsers()) > 0) {
      const message = 'Clearance already has users, so it cannot be bootstrapped again.';
      throw new ClearanceError('conflict', message, {
        problems: [
          {
            message,
            fix: 'Ask an existing admin for a token, or use `clearance admin token create --user <admin>` with database access.',
          },
        ],
      });
    }
    const user = await insertUser(tx, {
      input: { id: input.userId, displayName: input.displayName },
      actor,
      time,
    });
    await insertRoleGrant(tx, { deps, binding: { role: 'admin' }, userId: user.id, actor, time });
    const token = await insertToken(tx, {
      deps,
      userId: user.id,
      description: input.description ?? 'bootstrap admin token',
      actor,
      time,
    });
    return { user, token };
  });
}
