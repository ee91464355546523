/**
 * Cross-cutting request handling: authentication on every non-public route, Idempotency-Key
 * replay on creating POSTs, and weak ETags (+ If-None-Match → 304) on successful GETs and HEADs.
 */
import { createHash, hash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type ClaimingUseCases,
  type ClaimScope,
  IdempotencyKeyTaken,
  type IdempotencyStore,
  type StoredResponse,
} from '../app/index.js';
import { type AuthenticateOptions, authenticate } from '../auth/index.js';
import {
  ClearanceError,
  canonicalJson,
  isClearanceError,
  type Principal,
} from '../domain/index.js';
import type { AuthFailureLimiter } from './edge-guards.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
    /** The request's Idempotency-Key claim, while it is this request's to record or release. */
    idempotent: ClaimScope | undefined;
    /** The use cases of this request alone, claiming its key with its action (`actingUseCases`). */
    keyedUseCases: ClaimingUseCases | undefined;
  }
  interface FastifyContextConfig {
    /** No authentication (health check, OpenAPI document). */
    public?: boolean;
    /** Honours the Idempotency-Key header. */
    idempotent?: boolean;
    /** Cache-Control for successful GETs; defaults to `private, no-cache`. */
    cacheControl?: string;
  }
}

/** The authenticated caller; routes only run after the auth hook, so absence is a bug. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`Route ${request.url} ran without authentication.`);
  return request.principal;
}

/**
 * The use cases an idempotent route acts through: when the request sent an Idempotency-Key, its
 * own, over a store that claims the key in the transaction that acts (idempotency-claims.ts).
 */
export function actingUseCases(
  request: FastifyRequest,
  useCases: ClaimingUseCases,
): ClaimingUseCases {
  return request.keyedUseCases ?? useCases;
}

/**
 * Headers a client keeps with a 200 and reuses on a 304: the ETag covers them with the body, or a
 * page whose `Link: rel="next"` appeared (a version registered beyond it) would be answered 304
 * and kept as the last page.
 */
const keptHeaders = ['link', 'content-disposition'] as const;

/** The kept headers' values as the reply has them, or `undefined` when it has none. */
export function keptHeadersOf(reply: FastifyReply): string | undefined {
  let text: string | undefined;
  for (const name of keptHeaders) {
    const value = reply.getHeader(name);
    if (value === undefined) continue;
    text = `${text ?? ''}${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}\n`;
  }
  return text;
}

/**
 * `W/"<base64url of the SHA-256 of the body, then the kept headers if any, truncated>"`. One-shot
 * (no Hash object) for a body alone; the body is hashed once either way.
 */
export function weakEtag(body: string | Buffer, headers?: string): string {
  const digest =
    headers === undefined
      ? hash('sha256', body, 'base64url')
      : createHash('sha256').update(body).update('\0').update(headers).digest('base64url');
  return `W/"${digest.slice(0, 27)}"`;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  // Weak comparison (RFC 9110 §8.8.3.2): ignore the W/ prefix on either side.
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === opaque);
}

function fingerprintOf(request: FastifyRequest): string {
  const hash = createHash('sha256').update(`${request.method} ${request.url}\n`);
  if (Buffer.isBuffer(request.body)) hash.update(request.body);
  else if (request.body !== undefined) hash.update(canonicalJson(request.body));
  return hash.digest('hex');
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function registerHooks(
  app: FastifyInstance,
  options: {
    auth: AuthenticateOptions;
    idempotency: IdempotencyStore;
    /** The use cases of one request with a key; absent, routes act through the shared ones. */
    keyedUseCases?: ((scope: ClaimScope) => ClaimingUseCases) | undefined;
    authFailures?: AuthFailureLimiter | undefined;
  },
): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('idempotent', undefined);
  app.decorateRequest('keyedUseCases', undefined);

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.public || !request.routeOptions.url) return;
    try {
      request.principal = await authenticate(request.headers, options.auth);
    } catch (error) {
      // Only a presented credential that fails counts; a missing header costs nothing to answer.
      const presented = request.headers.authorization !== undefined;
      if (presented && isClearanceError(error) && error.code === 'unauthenticated') {
        await options.authFailures?.countFailure(request, reply);
      }
      throw error;
    }
  });

  app.addHook('preHandler', async (request, reply) => {
    if (!request.routeOptions.config.idempotent) return;
    const key = headerText(request.headers['idempotency-key']);
    if (key === undefined) return;
    // Printable ASCII only: the key is stored, and echoed in messages.
    if (!/^[\x20-\x7e]{1,255}$/.test(key)) {
      throw new ClearanceError(
        'invalid_input',
        'The Idempotency-Key header is empty, too long or not printable ASCII.',
        {
          problems: [
            {
              message: 'Idempotency-Key must be 1–255 printable ASCII characters.',
              fix: 'Send a UUID.',
            },
          ],
        },
      );
    }
    const claim = {
      principalId: principalOf(request).id,
      key,
      fingerprint: fingerprintOf(request),
    };
    const lookup = await options.idempotency.begin(claim);
    if (lookup.kind === 'new') {
      request.idempotent = { request: claim, claimed: false };
      return;
    }
    if (lookup.kind === 'in_flight') throw inFlight(key);
    if (lookup.kind === 'mismatch') throw mismatch(key);
    return replay(reply, lookup.response);
  });

  // Idempotent handlers act through use cases of the request's own (`actingUseCases`), so the
  // transaction that acts also claims the key (idempotency-claims.ts). Losing the claim to a concurrent duplicate rolled the action back;
  // the duplicate's answer is replayed if it is recorded.
  app.addHook('onRoute', (route) => {
    if (!route.config?.idempotent) return;
    const handler = route.handler;
    route.handler = async function claimed(request, reply) {
      const scope = request.idempotent;
      if (scope === undefined) return handler.call(this, request, reply);
      try {
        request.keyedUseCases = options.keyedUseCases?.(scope);
        return await handler.call(this, request, reply);
      } catch (error) {
        if (!lostToDuplicate(error) || scope.claimed) throw error;
        // A duplicate on another server may have acted first: then this request either lost the
        // claim itself, or ran into what the first one did (a conflict, a precondition) before
        // reaching it. Answer as the first request did, if it is recorded.
        const lookup = await options.idempotency.recorded(scope.request);
        if (lookup === undefined && !(error instanceof IdempotencyKeyTaken)) throw error;
        request.idempotent = undefined;
        await options.idempotency.abandon(scope.request);
        if (lookup?.kind === 'replay') return replay(reply, lookup.response);
        if (lookup?.kind === 'mismatch') throw mismatch(scope.request.key);
        throw inFlight(scope.request.key);
      }
    };
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.idempotent) {
      const scope = request.idempotent;
      request.idempotent = undefined;
      await settleIdempotent(options.idempotency, { request, reply, scope, payload });
    }
    return conditionalGet(request, reply, payload);
  });
}

/**
 * Records the response for replay (a 2xx, or any response once the request acted), or releases
 * the key of a request that did not act. The use case has committed by now, so a failed record
 * write is logged, not answered: failing the response would invite the retry that acts twice.
 */
async function settleIdempotent(
  idempotency: IdempotencyStore,
  settled: {
    request: FastifyRequest;
    reply: FastifyReply;
    scope: ClaimScope;
    payload: unknown;
  },
): Promise<void> {
  const { request, reply, scope, payload } = settled;
  const claim = scope.request;
  try {
    const succeeded = reply.statusCode >= 200 && reply.statusCode < 300;
    // Once the request acted (its claim committed), its answer is final whatever the status.
    if ((succeeded || scope.claimed) && typeof payload === 'string') {
      const location = headerText(reply.getHeader('location') as string | undefined);
      await idempotency.complete(claim, {
        status: reply.statusCode,
        contentType: String(reply.getHeader('content-type') ?? 'application/json'),
        body: payload,
        ...(location ? { location } : {}),
      });
    } else {
      await idempotency.abandon(claim);
    }
  } catch (error) {
    request.log.error({ err: error }, `Recording Idempotency-Key ${claim.key} failed.`);
  }
}

function lostToDuplicate(error: unknown): boolean {
  if (error instanceof IdempotencyKeyTaken) return true;
  return (
    isClearanceError(error) && (error.code === 'conflict' || error.code === 'precondition_failed')
  );
}

function replay(reply: FastifyReply, stored: StoredResponse): FastifyReply {
  if (stored.location) reply.header('location', stored.location);
  reply.header('idempotent-replayed', 'true');
  return reply.code(stored.status).type(stored.contentType).send(stored.body);
}

function inFlight(key: string): ClearanceError {
  return new ClearanceError(
    'conflict',
    `A request with Idempotency-Key ${key} has acted or is acting, and its response is not recorded yet.`,
    {
      problems: [
        {
          message: 'The first request has not answered.',
          fix: 'Retry shortly; if this persists, that server stopped before answering: read the resource to see the outcome instead of repeating the request under a new key.',
        },
      ],
    },
  );
}

function mismatch(key: string): ClearanceError {
  return new ClearanceError(
    'invalid_input',
    `Idempotency-Key ${key} was used for a different request.`,
    {
      problems: [{ message: 'Same key, different method, URL or body.', fix: 'Use a new key.' }],
    },
  );
}

/**
 * Cache-Control, ETag and If-None-Match → 304 for GET, and for HEAD alike: Fastify answers HEAD
 * with the GET handler and drops the body after this hook, so HEAD carries exactly GET's headers
 * whether or not the value was kept in memory (kept-replies.ts).
 */
function conditionalGet(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  const method = request.method;
  if ((method !== 'GET' && method !== 'HEAD') || reply.statusCode !== 200) return payload;
  reply.header('cache-control', request.routeOptions.config.cacheControl ?? 'private, no-cache');
  // A streamed body (the evidence pack) is not held to hash: no ETag for it.
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
  // A kept answer (kept-replies.ts) brings the ETag of its body and kept headers, hashed once.
  const etag =
    headerText(reply.getHeader('etag') as string | undefined) ??
    weakEtag(payload, keptHeadersOf(reply));
  reply.header('etag', etag);
  if (etagMatches(headerText(request.headers['if-none-match']), etag)) {
    reply.code(304);
    reply.removeHeader('content-type');
    reply.removeHeader('content-length');
    return '';
  }
  return payload;
}
