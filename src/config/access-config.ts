import { z } from 'zod';
import { configSection } from './config-section.js';

/** Failed authentications, audited denials, the principal cache and trusted proxies. */
export const accessConfig = configSection({
  schema: {
    authFailureLimit: z.coerce
      .number()
      .int()
      .min(0)
      .describe(
        'Failed authentications one client address may make per window; past it, failures are answered 429 with Retry-After (0 = no limit). Requests that authenticate are never counted nor refused.',
      ),
    authFailureWindowSeconds: z.coerce
      .number()
      .int()
      .positive()
      .describe(
        'The window of `authFailureLimit`, in seconds; each failure past the limit starts it again.',
      ),
    accessDeniedWindowSeconds: z.coerce
      .number()
      .int()
      .positive()
      .describe(
        'Window of the `access.denied` aggregation: per caller, attempted action and subject, the first denial in a window is audited at once and the rest are counted into one entry (docs/reference/audit.md).',
      ),
    accessDeniedPerPrincipal: z.coerce
      .number()
      .int()
      .positive()
      .describe(
        'Distinct (action, subject) pairs per caller and window whose denials are audited one by one; denials on further subjects are counted into one summary entry per caller and window.',
      ),
    principalCacheMaxAgeSeconds: z.coerce
      .number()
      .int()
      .min(0)
      .max(
        600,
        'at most 600 (10 minutes): the age bounds how long a token a restore took away may still be served',
      )
      .describe(
        'How long a server serves API tokens and accounts from memory before reading them again, even when the identity epoch says nothing changed (ADR 034). Revocations made through Clearance or by SQL take effect on the next request whatever this is; the age bounds only the case the epoch cannot see, a restore that brings the epoch back to a value a server cached under. 0 = no cache: every request reads its token or account from the database.',
      ),
    trustProxy: z
      .string()
      .describe(
        'Addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` names the client (comma-separated; empty = none). Without it, the failed-authentication limit counts the proxy’s address.',
      ),
  },
  defaults: {
    authFailureLimit: 20,
    authFailureWindowSeconds: 60,
    accessDeniedWindowSeconds: 60,
    accessDeniedPerPrincipal: 20,
    principalCacheMaxAgeSeconds: 60,
    trustProxy: '',
  },
  environment: {
    authFailureLimit: ['CLEARANCE_AUTH_FAILURE_LIMIT'],
    authFailureWindowSeconds: ['CLEARANCE_AUTH_FAILURE_WINDOW_SECONDS'],
    accessDeniedWindowSeconds: ['CLEARANCE_ACCESS_DENIED_WINDOW_SECONDS'],
    accessDeniedPerPrincipal: ['CLEARANCE_ACCESS_DENIED_PER_PRINCIPAL'],
    principalCacheMaxAgeSeconds: ['CLEARANCE_PRINCIPAL_CACHE_MAX_AGE_SECONDS'],
    trustProxy: ['CLEARANCE_TRUST_PROXY'],
  },
});
