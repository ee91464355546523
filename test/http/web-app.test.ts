/** The web app served at `/`: public files, SPA fallback, caching, CSP; the API unaffected. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findBuiltWebApp, webAppCsp } from '../../src/http/web-app.js';
import { stubServer } from './fixture.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

function builtApp(): string {
  const root = mkdtempSync(join(tmpdir(), 'clearance-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Clearance</title>');
  writeFileSync(join(root, 'assets', 'index-Ab12Cd34.js'), 'console.log(1);');
  return root;
}

function server(webRoot?: string) {
  const { app, identity } = stubServer({ listModels: async () => [] }, webRoot ? { webRoot } : {});
  close = () => app.close();
  return { app, identity };
}

const html = { accept: 'text/html,application/xhtml+xml' };

describe('the web app at /', () => {
  it('serves index.html without a token, revalidated, under the app CSP', async () => {
    const { app } = server(builtApp());
    const res = await app.inject({ method: 'GET', url: '/', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<title>Clearance</title>');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBe(webAppCsp());
    expect(webAppCsp()).toContain("script-src 'self'");
    expect(webAppCsp()).not.toContain('unsafe-inline');
  });

  it('caches hashed assets for a year', async () => {
    const { app } = server(builtApp());
    const res = await app.inject({ method: 'GET', url: '/assets/index-Ab12Cd34.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('answers deep links with index.html so the app routes them', async () => {
    const { app } = server(builtApp());
    for (const url of ['/inbox', '/models/credit-risk-pd/versions/1.2.0', '/rollouts/r1?x=1']) {
      const res = await app.inject({ method: 'GET', url, headers: html });
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toContain('<title>Clearance</title>');
      expect(res.headers['content-security-policy']).toBe(webAppCsp());
    }
  });

  it('leaves the API and missing assets to the server', async () => {
    const { app, identity } = server(builtApp());
    const unknownApi = await app.inject({ method: 'GET', url: '/api/v1/nope', headers: html });
    expect(unknownApi.statusCode).toBe(404);
    expect(unknownApi.headers['content-type']).toMatch(/problem\+json/);
    const missingAsset = await app.inject({ method: 'GET', url: '/assets/gone.js', headers: html });
    expect(missingAsset.statusCode).toBe(404);
    const models = await app.inject({
      method: 'GET',
      url: '/api/v1/models',
      headers: { authorization: identity.bearer('pat', 'auditor') },
    });
    expect(models.statusCode).toBe(200);
    expect(models.headers['content-security-policy']).toBe(
      "default-src 'none';frame-ancestors 'none'",
    );
    const unauthenticated = await app.inject({ method: 'GET', url: '/api/v1/models' });
    expect(unauthenticated.statusCode).toBe(401);
  });

  it('answers JSON clients of unknown paths with problem details, not the page', async () => {
    const { app } = server(builtApp());
    const res = await app.inject({ method: 'GET', url: '/inbox' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('serves no page when the app is not built', async () => {
    const { app } = server();
    const res = await app.inject({ method: 'GET', url: '/', headers: html });
    expect(res.statusCode).toBe(404);
  });
});

describe('findBuiltWebApp', () => {
  it("finds the package's own dist/web and nothing above the package", () => {
    const pkg = mkdtempSync(join(tmpdir(), 'clearance-pkg-'));
    writeFileSync(join(pkg, 'package.json'), '{}');
    mkdirSync(join(pkg, 'dist', 'src', 'http'), { recursive: true });
    const from = join(pkg, 'dist', 'src', 'http');
    expect(findBuiltWebApp(from)).toBeUndefined();
    mkdirSync(join(pkg, 'dist', 'web'));
    writeFileSync(join(pkg, 'dist', 'web', 'index.html'), '<!doctype html>');
    expect(findBuiltWebApp(from)).toBe(join(pkg, 'dist', 'web'));
    const nested = join(pkg, 'node_modules', 'clearance');
    mkdirSync(join(nested, 'dist', 'src', 'http'), { recursive: true });
    writeFileSync(join(nested, 'package.json'), '{}');
    expect(findBuiltWebApp(join(nested, 'dist', 'src', 'http'))).toBeUndefined();
  });
});

describe('GET /api/v1/sign-in', () => {
  it('tells sign-in pages, without a token, whether OIDC tokens are accepted and from whom', async () => {
    const plain = server();
    const none = await plain.app.inject({ method: 'GET', url: '/api/v1/sign-in' });
    expect(none.statusCode).toBe(200);
    expect(none.json()).toEqual({ apiToken: true });
    await close?.();
    const oidcIssuer = { issuer: 'https://id.example.com', audience: 'clearance' };
    const { app } = stubServer({}, { oidcIssuer });
    close = () => app.close();
    const res = await app.inject({ method: 'GET', url: '/api/v1/sign-in' });
    expect(res.json()).toEqual({ apiToken: true, oidc: oidcIssuer });
  });
});

describe('OIDC sign-in in the browser', () => {
  it('tells the app its client at the issuer and lets it reach only that issuer', async () => {
    const oidcIssuer = {
      issuer: 'https://id.example.com/realms/ml',
      audience: 'clearance',
      browser: { clientId: 'clearance-web', redirectPath: '/sign-in/oidc', scope: 'openid' },
    };
    const { app } = stubServer({}, { oidcIssuer, webRoot: builtApp() });
    close = () => app.close();
    const res = await app.inject({ method: 'GET', url: '/api/v1/sign-in' });
    expect(res.json()).toEqual({ apiToken: true, oidc: oidcIssuer });
    const page = await app.inject({ method: 'GET', url: '/sign-in/oidc?code=x', headers: html });
    expect(page.statusCode).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("connect-src 'self' https://id.example.com;");
    expect(csp.match(/https:\/\//g)).toHaveLength(1);
  });

  it('keeps connect-src to the app itself when the issuer has no client for it', async () => {
    const oidcIssuer = { issuer: 'https://id.example.com', audience: 'clearance' };
    const { app } = stubServer({}, { oidcIssuer, webRoot: builtApp() });
    close = () => app.close();
    const page = await app.inject({ method: 'GET', url: '/', headers: html });
    expect(page.headers['content-security-policy']).toContain("connect-src 'self';");
  });
});
