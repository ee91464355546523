/**
 * The Fastify server: problem-details errors, authentication, idempotency, ETags, the OpenAPI
 * document at /api/v1/openapi.json, and the /api/v1 routes over the use cases.
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  type ClaimingUseCases,
  type ClaimScope,
  type GateRunStats,
  type IdempotencyStore,
  inProcessIdempotency,
  type UseCases,
  type WritePathStats,
} from '../app/index.js';
import type { IdentityDirectory, OidcVerifier } from '../auth/index.js';
import { auditRoutes } from './audit-routes.js';
import { boardRoutes } from './board-routes.js';
import { clientErrorHandler } from './client-errors.js';
import { type AuthFailureLimit, authFailureLimiter, registerEdgeGuards } from './edge-guards.js';
import { principalOf, registerHooks } from './http-hooks.js';
import { identityRoutes } from './identity-routes.js';
import { type JobRunnerStats, registerMetrics, type StateCheckStatus } from './metrics.js';
import { mlflowPrefixes, mlflowRoutes } from './mlflow-routes.js';
import { modelRoutes } from './model-routes.js';
import { notificationRoutes } from './notification-routes.js';
import { packRoutes } from './pack-routes.js';
import { policyViewRoutes } from './policy-view-routes.js';
import {
  maxParamLength,
  pathOf,
  problemContentType,
  problemDetails,
  problemStatus,
  sendProblem,
} from './problem-details.js';
import { errors, recordSchemas } from './record-schemas.js';
import { requestRoutes } from './request-routes.js';
import { reviewRoutes } from './review-routes.js';
import { rolloutRoutes } from './rollout-routes.js';
import { registerSecurityHeaders, withSecurityHeaders } from './security-headers.js';
import { registerWebApp } from './web-app.js';

export interface HttpDeps {
  /** The app's use cases with their deps bound: `bindUseCases(appDeps)`. */
  useCases: UseCases;
  /** Users, API tokens and role bindings. */
  directory: IdentityDirectory;
  /** Accepts OIDC JWTs as bearer credentials when set. */
  oidc?: OidcVerifier;
  /** From Config: larger bodies are refused with 413. */
  bodyLimitBytes: number;
  /** From Config: failed authentications per client address and window; absent = no limit. */
  authFailureLimit?: AuthFailureLimit;
  /** From Config: reverse proxies whose X-Forwarded-For names the client (comma-separated). */
  trustProxy?: string;
  /** `true` or pino options; query strings and credentials are redacted from what it logs. */
  logger?: boolean | { level?: string; stream?: { write(line: string): void } };
  /**
   * Where Idempotency-Key responses live; `compose.ts` passes `sharedIdempotency` over the store
   * so every server replays them. Defaults to this process only (tests, one server).
   */
  idempotency?: IdempotencyStore;
  /**
   * The use cases one request with an Idempotency-Key acts through, over
   * `idempotency.claiming(store, scope)` so its key is claimed in the transaction that acts
   * (`compose.ts`). Needed with `sharedIdempotency`; absent, keyed requests act through
   * `useCases`, which suits `inProcessIdempotency` (it claims nothing in the database).
   */
  keyedUseCases?: (scope: ClaimScope) => ClaimingUseCases;
  now?: () => Date;
  /** The latest check of the database against the audit log, for `/metrics` (`compose.ts`). */
  stateCheck?: () => StateCheckStatus | undefined;
  /** The gate workers' state, for `/metrics` (`compose.ts` passes the worker pool's). */
  gateRuns?: () => GateRunStats;
  /** The job runner's counts, for `/metrics` (`compose.ts`). */
  jobs?: () => JobRunnerStats;
  /** The store's write path, for `/metrics` (`compose.ts` passes the store's `writeStats`). */
  writes?: () => WritePathStats;
  /** The built web app (dist/web) to serve at `/`; absent = the API only. */
  webRoot?: string;
  /**
   * The OIDC issuer and audience whose JWTs are accepted, told to sign-in pages (public); with a
   * client id, the web app signs in there itself (authorization code with PKCE).
   */
  oidcIssuer?: OidcSignIn;
}

export interface OidcSignIn {
  issuer: string;
  audience: string;
  /** The web app's public client at the issuer; absent = no browser sign-in flow. */
  browser?: { clientId: string; redirectPath: string; scope: string; resource?: string };
}

const signInSchema = {
  type: 'object',
  required: ['apiToken'],
  properties: {
    apiToken: { type: 'boolean', description: 'API tokens (`clr_…`) are accepted: always true.' },
    oidc: {
      type: 'object',
      description:
        'Present when the server accepts OIDC JWTs: an access token from this issuer, for this audience, is a bearer credential.',
      required: ['issuer', 'audience'],
      properties: {
        issuer: { type: 'string' },
        audience: { type: 'string' },
        browser: {
          type: 'object',
          description:
            'Present when the web app signs in at the issuer itself: authorization code with PKCE (RFC 7636) as this public client, returning to `redirectPath` of the app.',
          required: ['clientId', 'redirectPath', 'scope'],
          properties: {
            clientId: { type: 'string' },
            redirectPath: { type: 'string' },
            scope: { type: 'string', description: 'Space-separated scopes to ask for.' },
            resource: {
              type: 'string',
              description: 'Resource indicator (RFC 8707) to send with the requests.',
            },
          },
        },
      },
    },
  },
} as const;

export const openApiInfo = {
  title: 'Clearance registry API',
  version: '1',
  description:
    'Release governance for ML model registries. Errors are RFC 9457 problem details; see docs/reference/api.md.',
} as const;

function registerSwagger(app: FastifyInstance): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: openApiInfo,
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API token (clr_<id>_<secret>) or an OIDC JWT.',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
}

/**
 * Request logs name the path only: a query string may carry what must not be kept (a token sent
 * by mistake is refused, but its request is still logged), and headers are not logged at all.
 */
function redactingLogger(
  logger: HttpDeps['logger'],
): Exclude<FastifyServerOptions['logger'], undefined> {
  if (!logger) return false;
  return {
    ...(typeof logger === 'object' ? logger : {}),
    serializers: {
      req: (request) => ({
        method: request.method,
        url: request.url.includes('?') ? `${pathOf(request.url)}?[redacted]` : request.url,
        remoteAddress: request.ip,
      }),
    },
    redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'],
  };
}

export function buildServer(deps: HttpDeps): FastifyInstance {
  const app = Fastify({
    logger: redactingLogger(deps.logger),
    bodyLimit: deps.bodyLimitBytes,
    routerOptions: { maxParamLength },
    // Behind a proxy the id comes from it; otherwise Fastify generates one per request.
    requestIdHeader: 'x-request-id',
    ...(deps.trustProxy ? { trustProxy: deps.trustProxy } : {}),
    frameworkErrors: (error, request, reply) =>
      sendProblem(error, request, withSecurityHeaders(reply)),
    clientErrorHandler,
    // A lineage seed is a number or a text (`type: ['number', 'string']`), as the domain types it.
    ajv: { customOptions: { allowUnionTypes: true } },
  });
  for (const schema of recordSchemas) app.addSchema(schema);
  registerSwagger(app);
  // An API, never a page: nothing may load, frame or sniff its answers.
  registerSecurityHeaders(app);
  app.setErrorHandler(sendProblem);
  // The app fetches the issuer's discovery document and token endpoint when it signs in there.
  const connectOrigins = deps.oidcIssuer?.browser ? [new URL(deps.oidcIssuer.issuer).origin] : [];
  const webFallback = deps.webRoot ? registerWebApp(app, deps.webRoot, connectOrigins) : undefined;
  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request.url);
    if (webFallback?.(request, reply, path)) return reply;
    const body = problemDetails({
      code: 'route_not_found',
      detail: `No route ${request.method} ${path}.`,
      instance: path,
      problems: [{ message: 'Unknown route.', fix: 'See /api/v1/openapi.json for the routes.' }],
    });
    return reply.code(problemStatus.route_not_found).type(problemContentType).send(body);
  });
  app.addContentTypeParser(
    'application/octet-stream',
    { parseAs: 'buffer', bodyLimit: deps.bodyLimitBytes },
    (_request, body, done) => done(null, body),
  );
  registerEdgeGuards(app);
  registerHooks(app, {
    authFailures: deps.authFailureLimit && authFailureLimiter(app, deps.authFailureLimit),
    auth: {
      directory: deps.directory,
      ...(deps.oidc ? { oidc: deps.oidc } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    },
    idempotency: deps.idempotency ?? inProcessIdempotency(),
    keyedUseCases: deps.keyedUseCases,
  });

  const metrics = registerMetrics(app, {
    gateRuns: deps.gateRuns,
    jobs: deps.jobs,
    writes: deps.writes,
  });

  // Routes go in a plugin registered after swagger, so its onRoute hook sees every one of them.
  app.register(async (api) => {
    api.get(
      '/healthz',
      {
        config: { public: true },
        schema: {
          tags: ['meta'],
          summary: 'Liveness',
          security: [],
          response: {
            200: {
              type: 'object',
              properties: { status: { type: 'string' } },
              required: ['status'],
            },
          },
        },
      },
      async () => ({ status: 'ok' }),
    );
    // The two API routes that call no use case, under the same prefix as the routes plugins.
    api.register(
      async (v1) => {
        v1.get(
          '/sign-in',
          {
            config: { public: true },
            schema: {
              tags: ['identity'],
              summary:
                'How to sign in: API tokens always, and the OIDC issuer whose tokens are accepted',
              security: [],
              response: { 200: signInSchema, ...errors },
            },
          },
          async () => ({
            apiToken: true,
            ...(deps.oidcIssuer ? { oidc: deps.oidcIssuer } : {}),
          }),
        );
        v1.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () =>
          app.swagger(),
        );
      },
      { prefix: '/api/v1' },
    );
    // In a plugin of its own too, so it is declared after the two above (the document's order).
    api.register(async (meta) => {
      meta.get(
        '/metrics',
        {
          schema: {
            tags: ['meta'],
            summary: 'Prometheus metrics (text exposition format); any role',
            produces: ['text/plain'],
            response: { 200: { type: 'string' }, ...errors },
          },
        },
        async (request, reply) => {
          const snapshot = await deps.useCases.registryMetrics(principalOf(request));
          const text = await metrics.render(
            snapshot,
            deps.now?.() ?? new Date(),
            deps.stateCheck?.(),
          );
          return reply.type(metrics.registry.contentType).send(text);
        },
      );
    });
    for (const routes of [
      modelRoutes,
      boardRoutes,
      policyViewRoutes,
      requestRoutes,
      reviewRoutes,
      notificationRoutes,
      rolloutRoutes,
      auditRoutes,
      identityRoutes,
      packRoutes,
    ]) {
      api.register(routes, { prefix: '/api/v1', useCases: deps.useCases });
    }
    for (const prefix of mlflowPrefixes)
      api.register(mlflowRoutes, { prefix, useCases: deps.useCases });
  });
  return app;
}
