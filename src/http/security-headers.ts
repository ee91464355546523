/**
 * The security headers on every answer: an API, never a page, so nothing may load, frame or
 * sniff its answers. The set is Helmet 8's defaults with the API's own Content-Security-Policy
 * (the headers @fastify/helmet sent before). They never vary by request, so they are one frozen
 * table set by one synchronous hook: @fastify/helmet rebuilt Helmet's middleware, parsed the CSP
 * directives and ran two hooks (one async) on every request, a few per cent of a version create's
 * CPU. A route that needs another policy sets its own header after (the web app, evidence
 * content), which replaces this one.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';

const securityHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
});

/**
 * Sets `securityHeaders` on `reply`: for the answers Fastify gives before any hook runs (a badly
 * encoded URL, an over-long path parameter: its `frameworkErrors`).
 */
export function withSecurityHeaders(reply: FastifyReply): FastifyReply {
  return reply.headers(securityHeaders);
}

/** Sets `securityHeaders` on every reply, before any other hook can answer. */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
}
