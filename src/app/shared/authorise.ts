import {
  type Actor,
  ClearanceError,
  isClearanceError,
  type Principal,
} from '../../domain/index.js';
import type { AppDeps } from './app-deps.js';
import { auditRecord } from './audit-record.js';

/** Roles the principal holds for `model`: global bindings plus bindings for that model. */
export function rolesFor(principal: Principal, model: string): string[] {
  const roles = principal.roles
    .filter((b) => b.model === undefined || b.model === model)
    .map((b) => b.role);
  return [...new Set(roles)];
}

export function hasAnyRole(principal: Principal, model: string, roles: readonly string[]): boolean {
  const held = rolesFor(principal, model);
  return roles.some((role) => held.includes(role));
}

export function forbidden(message: string, fix: string): ClearanceError {
  return new ClearanceError('forbidden', message, { problems: [{ message, fix }] });
}

/** Throws `forbidden` unless the principal holds one of `roles` for `model`. */
export function assertAnyRole(input: {
  principal: Principal;
  model: string;
  roles: readonly string[];
  action: string;
}): void {
  if (hasAnyRole(input.principal, input.model, input.roles)) return;
  throw forbidden(
    `${input.principal.id} may not ${input.action} for model ${input.model}: it needs one of the roles ${input.roles.join(', ')}.`,
    'Ask an admin to grant one of these roles, or ask someone who holds one.',
  );
}

/**
 * Runs a use case; a `forbidden` refusal is written to the audit log as `access.denied` in its
 * own transaction (the use case's own transaction has rolled back), then rethrown.
 */
export async function guarded<T>(
  deps: AppDeps,
  context: { actor: Actor; action: string; subject: { type: string; id: string } },
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isClearanceError(error) && error.code === 'forbidden') {
      const now = deps.clock.now();
      const denial = { actor: context.actor, action: context.action, subject: context.subject };
      const admitted = deps.denials?.admit(denial, now) ?? { write: true, suppressed: 0 };
      if (!admitted.write) throw error;
      await deps.store.transaction(async (tx) => {
        await tx.audit.append(
          auditRecord({
            actor: context.actor,
            time: now.toISOString(),
            action: 'access.denied',
            subject: context.subject,
            reason: error.message,
            data: {
              attempted: context.action,
              // Denials of the same kind counted, not written, since the previous such entry.
              ...(admitted.suppressed > 0
                ? { suppressed: admitted.suppressed, suppressedSince: admitted.suppressedSince }
                : {}),
            },
          }),
        );
      });
    }
    throw error;
  }
}
