import {
  ClearanceError,
  invalidInput,
  type Principal,
  type TransitionRequest,
} from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord } from '../shared/audit-record.js';
import { forbidden, guarded, hasAnyRole } from '../shared/authorise.js';
import { assertMayReadRequest, loadOpenRequest } from '../shared/request-context.js';

/** The requester (or an admin) withdraws an open request. */
export async function cancelRequest(
  deps: AppDeps,
  principal: Principal,
  input: { requestId: string; reason: string },
): Promise<TransitionRequest> {
  if (input.reason.trim() === '')
    throw invalidInput('The reason is empty.', 'Say why the request is cancelled.');
  const subject = { type: 'request', id: input.requestId };
  return guarded(deps, { actor: principal, action: 'transition.cancel', subject }, () =>
    deps.store.transaction(async (tx) => {
      const request = await loadOpenRequest(tx, input.requestId);
      assertMayReadRequest(principal, request);
      if (
        request.requestedBy !== principal.id &&
        !hasAnyRole(principal, request.model, ['admin'])
      ) {
        throw forbidden(
          `${principal.id} may not cancel request ${request.id}: only its requester or an admin may.`,
          `Ask ${request.requestedBy} to cancel it.`,
        );
      }
      if (request.status !== 'pending' && request.status !== 'approved') {
        const message = `Request ${request.id} is ${request.status} and can no longer be cancelled.`;
        throw new ClearanceError('precondition_failed', message, {
          problems: [{ message, fix: 'Nothing to do; it is closed.' }],
        });
      }
      const time = deps.clock.now().toISOString();
      const cancelled: TransitionRequest = {
        ...request,
        status: 'cancelled',
        closedAt: time,
        closedBy: principal.id,
        closeReason: input.reason,
      };
      await tx.requests.update(cancelled);
      await tx.audit.append(
        auditRecord({
          actor: principal,
          time,
          action: 'transition.cancelled',
          subject,
          reason: input.reason,
          ticket: request.ticket,
          digests: { evidence: request.evidenceDigest, policy: request.policyDigest },
          data: { model: request.model, version: request.version },
        }),
      );
      return cancelled;
    }),
  );
}
