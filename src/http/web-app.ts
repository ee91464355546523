/**
 * The web app (web/, built into dist/web by `npm run build`) served at `/`: its files without
 * authentication (the app signs in through the API), hashed assets cached for a year, index.html
 * always revalidated, and index.html for any other GET of a page path so the app's own router
 * handles deep links. The API, /metrics and /healthz are untouched: their unknown paths still
 * answer problem details.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The app's Content-Security-Policy: its own scripts, styles and API only — and, when it signs in
 * with OIDC, the issuer's origin, whose discovery document and token endpoint it fetches. The API
 * keeps its stricter `default-src 'none'` (build-server.ts); these pages need to load and to call it.
 */
export function webAppCsp(connectOrigins: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    ["connect-src 'self'", ...connectOrigins].join(' '),
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const immutable = 'public, max-age=31536000, immutable';
const revalidate = 'no-cache';

/**
 * dist/web of the package this module belongs to (the first directory upward with a
 * package.json), when it has been built; never another project's.
 */
export function findBuiltWebApp(from: string = import.meta.dirname): string | undefined {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  const built = join(dir, 'dist', 'web');
  return existsSync(join(built, 'index.html')) ? built : undefined;
}

/** Paths that belong to the server, never to the app. */
function isServerPath(path: string): boolean {
  return (
    path === '/api' ||
    path.startsWith('/api/') ||
    path === '/metrics' ||
    path === '/healthz' ||
    path.startsWith('/assets/')
  );
}

/** Registers the static files; returns the fallback the not-found handler calls first. */
export function registerWebApp(
  app: FastifyInstance,
  root: string,
  connectOrigins: readonly string[] = [],
): (request: FastifyRequest, reply: FastifyReply, path: string) => boolean {
  const indexHtml = readFileSync(join(root, 'index.html'));
  const csp = webAppCsp(connectOrigins);
  app.register(async (web) => {
    // The files are public: the app holds no data, and asks the API with the person's token.
    // http-hooks.ts writes Cache-Control from the route's config.
    web.addHook('onRoute', (route) => {
      const cacheControl = route.url.startsWith('/assets/') ? immutable : revalidate;
      route.config = { ...route.config, public: true, cacheControl };
      route.schema = { ...route.schema, hide: true };
    });
    web.addHook('onSend', async (_request, reply, payload) => {
      reply.header('content-security-policy', csp);
      return payload;
    });
    await web.register(fastifyStatic, {
      root,
      wildcard: false,
      index: ['index.html'],
      cacheControl: false,
      serveDotFiles: false,
    });
  });
  return (request, reply, path) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    if (isServerPath(path)) return false;
    if (!(request.headers.accept ?? '').includes('text/html')) return false;
    reply
      .code(200)
      .header('content-security-policy', csp)
      .header('cache-control', revalidate)
      .type('text/html; charset=utf-8')
      .send(indexHtml);
    return true;
  };
}
