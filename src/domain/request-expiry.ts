/**
 * How long an open transition request lives. A request nobody decides within its lifetime is
 * expired by the `requests.expire` job: approvals given weeks ago judged evidence and a
 * production baseline that have since moved on, and a forgotten `approved` request must not be
 * executable months later by whoever finds it.
 */
import { parseDuration } from './duration.js';
import type { Policy } from './policy.js';
import type { TransitionRequest } from './registry.js';

/**
 * The lifetime when the policy names none: two weeks, long enough for a quarterly sign-off round
 * across time zones and holidays, short enough that the evidence an approver saw is still the
 * evidence in force.
 */
export const defaultRequestLifetime = '14d';

const defaultLifetimeMs = parseDuration(defaultRequestLifetime) ?? 0;

/** Statuses of a request that is still open, and so can expire. */
export const openRequestStatuses = ['pending', 'approved'] as const;

/** The policy's `requests.expireAfter` in milliseconds, or the default. */
export function requestLifetimeMs(policy: Pick<Policy, 'requests'>): number {
  const text = policy.requests?.expireAfter;
  return (text === undefined ? undefined : parseDuration(text)) ?? defaultLifetimeMs;
}

/** The written lifetime, the default included, for messages. */
export function requestLifetimeText(policy: Pick<Policy, 'requests'>): string {
  return policy.requests?.expireAfter ?? defaultRequestLifetime;
}

/**
 * The normalised `requests` section: a lifetime equal to the default (however it is written,
 * `14d` or `2w`) is dropped, so a policy that spells the default out has the digest of one that
 * leaves it out, and policies from before the key existed keep theirs.
 */
export function normaliseRequestsSection(
  section: { expireAfter?: string | undefined } | undefined,
): Policy['requests'] {
  const text = section?.expireAfter;
  if (text === undefined || parseDuration(text) === defaultLifetimeMs) return undefined;
  return { expireAfter: text };
}

/** When `request` expires under `policy`. */
export function requestExpiresAt(
  policy: Pick<Policy, 'requests'>,
  request: Pick<TransitionRequest, 'requestedAt'>,
): Date {
  return new Date(Date.parse(request.requestedAt) + requestLifetimeMs(policy));
}

/** An open request whose lifetime has ended by `now`. */
export function isRequestExpired(input: {
  policy: Pick<Policy, 'requests'>;
  request: Pick<TransitionRequest, 'requestedAt' | 'status'>;
  now: Date;
}): boolean {
  const open = (openRequestStatuses as readonly string[]).includes(input.request.status);
  return open && requestExpiresAt(input.policy, input.request).getTime() <= input.now.getTime();
}
