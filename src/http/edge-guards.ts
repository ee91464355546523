/**
 * What every request passes before authentication or any store access: no credential in the
 * query string, storable text and bounded JSON depth (input-guards.ts), and a per-address limit
 * on failed authentications (@fastify/rate-limit, counting failures only).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClearanceError } from '../domain/index.js';
import { assertJsonBody, assertTextParameters } from './input-guards.js';

export interface AuthFailureLimit {
  /** Failed authentications one client address may make per window; 0 turns the limit off. */
  max: number;
  windowSeconds: number;
}

/** Counts failed authentications per client address. */
export interface AuthFailureLimiter {
  /** Counts one failure; throws 429 (Retry-After set) once the address is over the limit. */
  countFailure(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

/** Query parameter names that only ever carry a credential. */
const credentialNames = new Set([
  'token',
  'access_token',
  'id_token',
  'api_key',
  'apikey',
  'api-key',
  'bearer',
  'auth',
  'authorization',
  'jwt',
]);
/** A Clearance API token or a JWT (three base64url parts, the first a JSON object). */
const credentialValue = /clr_[0-9a-f]{24}_|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\./;

function assertNoQueryCredential(query: unknown): void {
  if (query === null || typeof query !== 'object') return;
  for (const [name, value] of Object.entries(query)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    const looksLikeOne = values.some((v) => typeof v === 'string' && credentialValue.test(v));
    if (!credentialNames.has(name.toLowerCase()) && !looksLikeOne) continue;
    const message = `The query string carries a credential (parameter ${name.slice(0, 40)}).`;
    throw new ClearanceError('invalid_input', message, {
      problems: [
        {
          message,
          fix: 'Send the token in the Authorization header (`Authorization: Bearer <token>`), never in the URL, and revoke this token: URLs end up in logs and browser history.',
        },
      ],
    });
  }
}

export function registerEdgeGuards(app: FastifyInstance): void {
  // Before authentication, so a credential in the URL is refused even with a valid header, and
  // before any route hook that reads the store with a parameter (the evidence upload's preParsing).
  app.addHook('onRequest', async (request) => {
    assertNoQueryCredential(request.query);
    assertTextParameters('path parameter', request.params);
    assertTextParameters('query parameter', request.query);
  });
  // The parsed body, before schema validation and every handler.
  app.addHook('preValidation', async (request) => {
    if (request.body !== undefined && !Buffer.isBuffer(request.body)) assertJsonBody(request.body);
  });
}

class TooManyFailures extends Error {
  readonly statusCode = 429;
}

/**
 * The failed-authentication limiter over @fastify/rate-limit's store: each failure increments the
 * client address's counter; past `max` within the window a failure is answered 429 instead of
 * 401, and each further failure restarts the window, so a client that keeps failing stays
 * refused. A request that authenticates is never counted nor refused: a broken CI job behind a
 * shared address does not lock out its neighbours.
 */
export function authFailureLimiter(
  app: FastifyInstance,
  limit: AuthFailureLimit,
): AuthFailureLimiter | undefined {
  if (limit.max <= 0) return undefined;
  app.register(rateLimit, { global: false, continueExceeding: true });
  let check: ReturnType<FastifyInstance['createRateLimit']> | undefined;
  return {
    async countFailure(request, reply) {
      // The decorator exists once the plugin has loaded, which is before any request.
      check ??= app.createRateLimit({ max: limit.max, timeWindow: limit.windowSeconds * 1000 });
      const state = await check(request);
      if (state.isAllowed || !state.isExceeded) return;
      reply.header('retry-after', String(Math.max(1, state.ttlInSeconds)));
      throw new TooManyFailures(
        `Too many failed authentications from ${request.ip}: more than ${limit.max} within ${limit.windowSeconds} s.`,
      );
    },
  };
}
