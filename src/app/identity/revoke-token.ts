import { type ApiTokenView, notFound, type Principal, tokenView } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { forbidden, guarded } from '../shared/authorise.js';
import { isGlobalAdmin } from './identity-rules.js';

/**
 * Revokes a token at once; its user may revoke their own, global admins any. A token already
 * revoked is answered as it is, with its `revokedAt` and `revokedBy`.
 */
export async function revokeToken(
  deps: AppDeps,
  principal: Principal,
  input: { id: string },
): Promise<ApiTokenView> {
  const subject = { type: 'api_token', id: input.id };
  return guarded(deps, { actor: principal, action: 'token.revoke', subject }, () =>
    deps.store.transaction(async (tx) => {
      const token = await tx.identity.getToken(input.id);
      if (!isGlobalAdmin(principal) && token?.userId !== principal.id) {
        throw forbidden(
          `${principal.id} may not revoke API token ${input.id}: only its user or a global admin may.`,
          'Ask an admin to revoke it.',
        );
      }
      if (!token) throw notFound(`API token ${input.id}`, 'Check the id in the token list.');
      // Already revoked: answered as it is (when and by whom), and nothing is written (ADR 032).
      if (token.revokedAt !== undefined) return tokenView(token);
      const time = deps.clock.now().toISOString();
      await tx.identity.revokeToken(input.id, time, principal.id);
      await tx.audit.append(
        auditRecord({
          actor: principal,
          time,
          action: 'token.revoked',
          subject,
          data: { userId: token.userId },
        }),
      );
      return tokenView({ ...token, revokedAt: time, revokedBy: principal.id });
    }),
  );
}
