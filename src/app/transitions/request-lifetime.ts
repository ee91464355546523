/**
 * Refusals for a request past its lifetime (`requests.expireAfter`): approving or executing it is
 * refused from the instant it expires, whether or not the `requests.expire` job has closed it
 * yet, so the outcome never depends on when the job last ran.
 */
import {
  ClearanceError,
  isRequestExpired,
  type Policy,
  requestExpiresAt,
  requestLifetimeText,
  type TransitionRequest,
} from '../../domain/index.js';

/** Why an open request expired, in the words its close reason and refusals use. */
export function lapseReason(policy: Pick<Policy, 'requests'>, request: TransitionRequest): string {
  const at = requestExpiresAt(policy, request).toISOString();
  return `no decision within ${requestLifetimeText(policy)} of the request (requests.expireAfter); it expired at ${at}`;
}

/** Refuses an action on an open request whose lifetime has ended by `now`. */
export function assertNotLapsed(input: {
  policy: Pick<Policy, 'requests'>;
  request: TransitionRequest;
  now: Date;
  action: 'approved' | 'executed';
}): void {
  const { policy, request } = input;
  if (!isRequestExpired({ policy, request, now: input.now })) return;
  const message = `Request ${request.id} can no longer be ${input.action}: ${lapseReason(policy, request)}.`;
  throw new ClearanceError('precondition_failed', message, {
    problems: [
      {
        message,
        fix: `Open a new request for ${request.model}@${request.version} (${request.from} → ${request.to}); it needs its sign-offs again.`,
      },
    ],
  });
}

/** The refusal for a request the job already closed as expired. */
export function expiredRequestError(request: TransitionRequest, action: string): ClearanceError {
  const why = request.closeReason ?? 'its lifetime ended';
  const message = `Request ${request.id} expired (${why}); it can no longer be ${action}.`;
  return new ClearanceError('precondition_failed', message, {
    problems: [
      {
        message,
        fix: `Open a new request for ${request.model}@${request.version} (${request.from} → ${request.to}).`,
      },
    ],
  });
}
