/**
 * Signing in with OIDC in a real browser: a real OpenID provider on loopback (oidc-provider.ts)
 * holds the web app's public client; Chromium clicks "Sign in with OIDC", fills the provider's
 * login and consent pages and comes back signed in (authorization code with PKCE, the code
 * redeemed from the browser), sees the inbox and approves as the risk officer the roles claim
 * names. An answer carrying another `state`, or an ID token with another `nonce`, is refused and
 * signs no one in.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, startLiveServer } from '../e2e/live-server.js';
import { type Browser, launchBrowser, seriousViolations } from './browser.js';
import { rolesClaim, startOidcProvider, type TestOidcProvider } from './oidc-provider.js';
import { model, type SeededRelease, seedCreditRisk } from './seed.js';

let provider: TestOidcProvider;
let server: LiveServer;
let seeded: SeededRelease;
let browser: Browser;
const redirectPath = '/sign-in/oidc';

beforeAll(async () => {
  provider = await startOidcProvider();
  server = await startLiveServer(undefined, {
    CLEARANCE_OIDC_ISSUER: provider.issuer,
    CLEARANCE_OIDC_AUDIENCE: provider.resource,
    CLEARANCE_OIDC_ROLES_CLAIM: rolesClaim,
    CLEARANCE_OIDC_CLIENT_ID: provider.clientId,
    CLEARANCE_OIDC_SCOPE: 'openid clearance',
    CLEARANCE_OIDC_RESOURCE: provider.resource,
  });
  provider.registerApp(`${server.url}${redirectPath}`);
  provider.grantRoles('rita.oidc', ['risk_officer']);
  seeded = await seedCreditRisk(server);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await provider?.close();
});

/** Opens `path` signed out and sends the browser to the provider; returns the request sent. */
async function toProvider(path: string): Promise<{ page: Page; authorize: URLSearchParams }> {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}${path}`);
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.url().startsWith(`${provider.issuer}/auth`)),
    page.getByRole('button', { name: 'Sign in with OIDC' }).click(),
  ]);
  return { page, authorize: new URL(request.url()).searchParams };
}

describe('OIDC sign-in in the browser', () => {
  it('signs in at the provider with PKCE, shows the inbox and approves as the claimed role', async () => {
    const { page, authorize } = await toProvider('/inbox');
    expect(authorize.get('client_id')).toBe(provider.clientId);
    expect(authorize.get('response_type')).toBe('code');
    expect(authorize.get('code_challenge_method')).toBe('S256');
    expect(authorize.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.get('redirect_uri')).toBe(`${server.url}${redirectPath}`);
    expect(authorize.get('resource')).toBe(provider.resource);
    for (const param of ['state', 'nonce'])
      expect(authorize.get(param)?.length).toBeGreaterThan(20);
    await page.getByRole('textbox', { name: /login/i }).fill('rita.oidc');
    await page.locator('input[name="password"]').fill('any');
    await page.getByRole('button', { name: /sign-in/i }).click();
    await page.getByRole('button', { name: /continue/i }).click();
    await page.waitForURL(`${server.url}/inbox`);
    await page.getByRole('heading', { name: 'Approvals inbox' }).waitFor();
    await page.getByText('Signed in as').getByText('rita.oidc').waitFor();
    expect(new URL(page.url()).search).toBe('');
    const card = page.getByRole('region', {
      name: new RegExp(`${model} 2026\\.2: staging → production`),
    });
    await card.getByLabel('Comment').fill('Validated; signed in through the identity provider.');
    await card.getByLabel('Ticket').fill('RISK-2042');
    await card.getByRole('button', { name: 'Approve' }).click();
    await page
      .getByRole('status')
      .getByText(`${model} 2026.2: Approved as risk officer.`)
      .waitFor();
    const res = await fetch(`${server.url}/api/v1/requests/${seeded.passingRequest}`, {
      headers: { authorization: `Bearer ${seeded.tokens.admin}` },
    });
    const detail = (await res.json()) as { approvals: { approver: string; role: string }[] };
    expect(detail.approvals.map((a) => [a.approver, a.role])).toContainEqual([
      'rita.oidc',
      'risk_officer',
    ]);
    // The token the app holds is the provider's JWT for Clearance, kept for this tab only.
    const token = await page.evaluate(() =>
      (
        globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }
      ).sessionStorage.getItem('clearance.token'),
    );
    const claims = JSON.parse(
      Buffer.from(String(token).split('.')[1] ?? '', 'base64url').toString(),
    );
    expect([claims.iss, claims.aud, claims.sub, claims[rolesClaim]]).toEqual([
      provider.issuer,
      provider.resource,
      'rita.oidc',
      ['risk_officer'],
    ]);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in with OIDC' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('refuses an answer whose state is not the one this tab sent', async () => {
    // Another tab signs in; the provider remembers rita's session and consent, so it answers at
    // once. That answer (its code and state) is then delivered to a tab with a sign-in of its own.
    const other = await browser.context.newPage();
    await other.goto(server.url);
    const [answered] = await Promise.all([
      other.waitForRequest((r) => r.url().startsWith(`${server.url}${redirectPath}?`)),
      other.getByRole('button', { name: 'Sign in with OIDC' }).click(),
    ]);
    await other.getByRole('button', { name: 'Sign out' }).waitFor();
    await other.close();
    const answer = new URL(answered.url());
    expect(answer.searchParams.get('code')).toBeTruthy();

    const page = await browser.context.newPage();
    await page.goto(server.url);
    // This tab's own sign-in starts, and never reaches the provider.
    const authorization = (url: URL) => url.href.startsWith(`${provider.issuer}/auth?`);
    await page.route(authorization, (route) => route.abort());
    await Promise.all([
      page.waitForEvent('requestfailed', (r) => authorization(new URL(r.url()))),
      page.getByRole('button', { name: 'Sign in with OIDC' }).click(),
    ]);
    await page.unrouteAll();
    await page.goto(answer.href);
    await page
      .getByRole('status')
      .getByText(/OIDC sign-in failed\. The answer from .* was refused: .*"state"/)
      .waitFor();
    await expect(page.getByRole('button', { name: 'Sign out' }).count()).resolves.toBe(0);
    expect(new URL(page.url()).pathname).toBe('/');
    // Nothing is left under way to try the answer against again.
    await page.goto(answer.href);
    await page.getByRole('heading', { name: 'Sign in to Clearance' }).waitFor();
    await expect(page.getByText(/OIDC sign-in failed/).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Sign out' }).count()).resolves.toBe(0);
    await page.close();
  });

  it('refuses an ID token whose nonce is not the one this tab sent', async () => {
    const page = await browser.context.newPage();
    // As if the ID token had been minted for another sign-in: the tab expects another nonce.
    await page.addInitScript((path) => {
      const g = globalThis as unknown as {
        location: { pathname: string };
        sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
      };
      const pending = g.sessionStorage.getItem('clearance.oidc.pending');
      if (g.location.pathname !== path || pending === null) return;
      g.sessionStorage.setItem(
        'clearance.oidc.pending',
        JSON.stringify({ ...JSON.parse(pending), nonce: 'another-sign-in' }),
      );
    }, redirectPath);
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Sign in with OIDC' }).click();
    await page
      .getByRole('status')
      .getByText(/OIDC sign-in failed\. The answer from .* was refused: .*nonce/)
      .waitFor();
    await expect(page.getByRole('button', { name: 'Sign out' }).count()).resolves.toBe(0);
    await page.close();
  });

  // Last: it re-registers the provider's client for a server of its own.
  it('returns to sign-in, saying why, when the server refuses the token for its audience', async () => {
    const elsewhere = await startLiveServer(undefined, {
      CLEARANCE_OIDC_ISSUER: provider.issuer,
      // The provider mints tokens for provider.resource; this server accepts only another API's.
      CLEARANCE_OIDC_AUDIENCE: 'https://another-api.test/api',
      CLEARANCE_OIDC_ROLES_CLAIM: rolesClaim,
      CLEARANCE_OIDC_CLIENT_ID: provider.clientId,
      CLEARANCE_OIDC_SCOPE: 'openid clearance',
      CLEARANCE_OIDC_RESOURCE: provider.resource,
    });
    try {
      provider.registerApp(`${elsewhere.url}${redirectPath}`);
      const page = await browser.context.newPage();
      await page.goto(`${elsewhere.url}/inbox`);
      await page.getByRole('button', { name: 'Sign in with OIDC' }).click();
      await page.getByRole('textbox', { name: /login/i }).fill('rita.oidc');
      await page.locator('input[name="password"]').fill('any');
      await page.getByRole('button', { name: /sign-in/i }).click();
      await page.getByRole('button', { name: /continue/i }).click();
      await page
        .getByRole('status')
        .getByText(/OIDC sign-in failed\..*audience/i)
        .waitFor();
      await expect(page.getByRole('button', { name: 'Sign out' }).count()).resolves.toBe(0);
      const kept = await page.evaluate(() =>
        (
          globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }
        ).sessionStorage.getItem('clearance.token'),
      );
      expect(kept).toBeNull();
      expect(await seriousViolations(page)).toEqual([]);
      await page.close();
    } finally {
      await elsewhere.stop();
    }
  });
});
