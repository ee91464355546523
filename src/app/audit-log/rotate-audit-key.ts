import { ClearanceError } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord, systemActor } from '../shared/audit-record.js';
import type { AuditSigner } from '../shared/ports.js';
import { type SignedCheckpointResult, signInTransaction } from './sign-audit-checkpoint.js';

/**
 * Hands the log over from the `current` signing key to `next`, in one transaction: an
 * `audit.key_rotated` entry (who, why, both verifier keys), then a handover checkpoint over the
 * log including that entry, signed by both keys (audit/key-rotation.ts). From then on only `next`
 * signs; a server still holding `current` refuses to. An operator action on the host that holds
 * the key files (`clearance audit rotate-key`), audited as `system:cli`.
 */
export async function rotateAuditKey(
  deps: AppDeps,
  input: { current: AuditSigner; next: AuditSigner; reason: string },
): Promise<SignedCheckpointResult> {
  const { current, next } = input;
  if (next.origin !== current.origin) {
    throw refuse(`The next key signs for ${next.origin}, not for this log (${current.origin}).`);
  }
  if (next.verifierKey === current.verifierKey) {
    throw refuse('The next key is the current key; a rotation needs a new key.');
  }
  assertRotationReason(input.reason);
  return deps.store.transaction(async (tx) => {
    await tx.audit.append(
      auditRecord({
        actor: systemActor('cli'),
        time: deps.clock.now().toISOString(),
        action: 'audit.key_rotated',
        subject: { type: 'audit_log', id: current.origin },
        reason: input.reason,
        data: { retired: current.verifierKey, next: next.verifierKey },
      }),
    );
    return signInTransaction(deps, current, tx, next);
  });
}

/** Checked before anything is written, key files included. */
export function assertRotationReason(reason: string): void {
  if (reason.trim() === '') throw refuse('A key rotation needs a reason (--reason).');
}

function refuse(message: string): ClearanceError {
  return new ClearanceError('invalid_input', message, {
    problems: [{ message, fix: 'See "Rotating the audit signing key" in docs/operations.md.' }],
  });
}
