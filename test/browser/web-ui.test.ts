/**
 * The web UI in a real browser against a real `clearance serve` holding the credit-risk release
 * (seed.ts): sign in, the board, approving as the risk officer, the requester offered nothing and
 * refused by the API, a failing gate explained, a revoked session sent back to sign in. Every
 * page is checked with axe-core. The journey runs against a server on SQLite and on PostgreSQL
 * (a database of its own, cloned from the migrated template). Screenshots are taken on every run;
 * with CLEARANCE_UPDATE_SCREENSHOTS=1 the SQLite run's replace the README's in docs/screenshots/
 * (otherwise a temporary directory, so a test run leaves the committed images alone).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, startLiveServer } from '../e2e/live-server.js';
import { databaseEnginesFor, type FreshPostgres, freshPostgresDatabase } from '../store/engines.js';
import { type Browser, launchBrowser, screenshotsDir, seriousViolations } from './browser.js';
import { model, type SeededRelease, seedCreditRisk } from './seed.js';

const title = 'the web UI';

for (const engine of databaseEnginesFor(title)) {
  describe(`${title} [${engine}]`, () => {
    let pg: FreshPostgres | undefined;
    let server: LiveServer;
    let seeded: SeededRelease;
    let browser: Browser;
    const screenshots = screenshotsDir(engine);

    beforeAll(async () => {
      pg = engine === 'postgres' ? await freshPostgresDatabase() : undefined;
      server = await startLiveServer(pg?.url);
      seeded = await seedCreditRisk(server);
      browser = await launchBrowser();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      await pg?.drop();
    });

    async function signedIn(token: string, path = '/'): Promise<Page> {
      const page = await browser.context.newPage();
      await page.goto(`${server.url}${path}`);
      await page.getByLabel('API token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      return page;
    }

    async function expectAccessible(page: Page): Promise<void> {
      expect(await seriousViolations(page)).toEqual([]);
    }

    const versionPath = (version: string) => `/models/${model}/versions/${version}`;

    it('signs in with an API token and shows the release board', async () => {
      const page = await browser.context.newPage();
      await page.goto(server.url);
      await expect(
        page.getByRole('heading', { name: 'Sign in to Clearance' }).count(),
      ).resolves.toBe(1);
      await expectAccessible(page);
      await page.getByLabel('API token').fill('clr_not_a_token');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page
        .getByRole('alert')
        .getByText(/That token was refused/)
        .waitFor();
      await page.screenshot({ path: join(screenshots, 'sign-in.png') });
      await page.close();

      const started = Date.now();
      const board = await signedIn(seeded.tokens.risk);
      await board.getByRole('heading', { name: 'Release board' }).waitFor();
      await board.getByRole('row', { name: new RegExp(model) }).waitFor();
      const paint = await board.evaluate(() =>
        JSON.stringify(
          (
            globalThis as unknown as {
              performance: { getEntriesByType(t: string): { name: string; startTime: number }[] };
            }
          ).performance
            .getEntriesByType('paint')
            .map((e) => `${e.name} ${Math.round(e.startTime)} ms`),
        ),
      );
      console.log(`web UI: ${paint}; sign-in to board rows ${Date.now() - started} ms`);
      const row = board.getByRole('row', { name: new RegExp(model) });
      const stages = row.getByRole('list', { name: `Stages of ${model}` });
      await expect(
        stages.getByRole('listitem').filter({ hasText: 'production' }).textContent(),
      ).resolves.toContain('2026.1');
      await expect(
        stages.getByRole('listitem').filter({ hasText: 'staging' }).textContent(),
      ).resolves.toMatch(/2026\.2[\s\S]*2026\.3/);
      await row.getByText('Gate failed: approval-rate-parity').waitFor();
      await row.getByText('Waiting for you as risk officer').first().waitFor();
      await board.getByLabel('Waiting for me').check();
      await board.getByText('1 model', { exact: true }).waitFor();
      await board.getByLabel('Team').selectOption('credit');
      await expect(board.url()).toContain('team=credit');
      await expectAccessible(board);
      await board.screenshot({ path: join(screenshots, 'release-board.png'), fullPage: true });
      await board.getByRole('button', { name: 'Sign out' }).click();
      await board.getByLabel('API token').waitFor();
      await board.close();
    });

    it('lets the risk officer approve from the inbox, oldest first, with the keyboard only', async () => {
      const page = await signedIn(seeded.tokens.risk, '/inbox');
      await page.getByRole('heading', { name: 'Approvals inbox' }).waitFor();
      const cards = page.getByRole('region', {
        name: new RegExp(`${model} 2026\\.\\d: staging → production`),
      });
      await cards.first().waitFor();
      await expect(cards.count()).resolves.toBe(2);
      await expect(cards.first().getByRole('heading').first().textContent()).resolves.toContain(
        '2026.2',
      );
      const card = cards.first();
      await card.getByText('olga.owner').first().waitFor();
      // Its due date: when it expires undecided (the default lifetime, 14 days).
      await card.getByText(/then it expires and must be requested again/).waitFor();
      // The emergency hotfix changed production after the model owner signed.
      await card
        .getByText(
          /sign-off of olga\.owner as model owner no longer counts: the production \(baseline\) evidence changed/,
        )
        .waitFor();
      await expect(
        card.getByRole('list', { name: 'Sign-offs still required' }).textContent(),
      ).resolves.toMatch(/model owner[\s\S]*risk officer[\s\S]*compliance officer/);
      await cards
        .nth(1)
        .getByRole('list', { name: 'Gates that did not pass' })
        .getByText(/Gate approval-rate-parity: fail.*Disparate impact ratio for sex is 0\.651/)
        .waitFor();
      await card.getByText('all 6 gates passed when requested').waitFor();
      const review = page.getByRole('region', {
        name: `Review of the emergency change to ${model} 2026.1-hotfix1`,
      });
      await review.getByText('auc, ks').waitFor();
      await expectAccessible(page);
      await page.screenshot({ path: join(screenshots, 'approvals-inbox.png'), fullPage: true });

      // Keyboard only: Tab from the top of the page to the first card's comment, type, Tab on.
      const comment = card.getByLabel('Comment');
      const focused = () => comment.evaluate((el) => el === el.ownerDocument.activeElement);
      for (let tabs = 0; !(await focused()); tabs++) {
        expect(tabs, 'Tab reaches the comment field').toBeLessThan(80);
        await page.keyboard.press('Tab');
      }
      await page.keyboard.type('Validated the scorecard refresh; fairness within limits.');
      await page.keyboard.press('Tab');
      await page.keyboard.type('RISK-2041');
      await page.keyboard.press('Tab');
      await expect(
        card
          .getByLabel('Risk class of the change')
          .evaluate((el) => el === el.ownerDocument.activeElement),
      ).resolves.toBe(true);
      await page.keyboard.press('End');
      await page.keyboard.press('ArrowUp');
      await expect(card.getByLabel('Risk class of the change').inputValue()).resolves.toBe(
        'medium',
      );
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page
        .getByRole('status')
        .getByText(`${model} 2026.2: Approved as risk officer.`)
        .waitFor();
      await page
        .getByRole('region', { name: new RegExp(`${model} 2026.2`) })
        .waitFor({ state: 'detached' });
      const res = await fetch(`${server.url}/api/v1/requests/${seeded.passingRequest}`, {
        headers: { authorization: `Bearer ${seeded.tokens.admin}` },
      });
      const detail = (await res.json()) as {
        approvals: { approver: string; ticket?: string; riskClass?: string }[];
      };
      expect(detail.approvals.map((a) => [a.approver, a.ticket, a.riskClass])).toContainEqual([
        'rob.risk',
        'RISK-2041',
        'medium',
      ]);

      await review
        .getByLabel('Comment')
        .fill('Hotfix reviewed: mis-scoring fixed, no fairness impact.');
      await review.getByLabel('Ticket').fill('RISK-911');
      await review.getByRole('button', { name: 'Approve' }).click();
      await page
        .getByRole('status')
        .getByText(`Review of ${model} 2026.1-hotfix1: Approved as risk officer.`)
        .waitFor();
      await page.getByText('No post-incident review is waiting for you.').waitFor();
      await page.close();
    });

    it('offers the requester no sign-off, and the API refuses theirs', async () => {
      const page = await signedIn(seeded.tokens.requester, versionPath('2026.2'));
      await page.getByRole('heading', { name: 'Your actions' }).waitFor();
      await expect(page.getByRole('button', { name: 'Approve' }).count()).resolves.toBe(0);
      await expect(page.getByRole('form', { name: 'Sign off' }).count()).resolves.toBe(0);
      await page.getByRole('button', { name: 'Cancel request' }).waitFor();
      const refusal = await page.evaluate(
        async ({ id, token }) => {
          const res = await fetch(`/api/v1/requests/${id}/approvals`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              decision: 'approve',
              role: 'compliance_officer',
              comment: 'mine',
              ticket: 'RISK-2041',
              riskClass: 'low',
            }),
          });
          return {
            status: res.status,
            body: (await res.json()) as { code: string; detail: string },
          };
        },
        { id: seeded.passingRequest, token: seeded.tokens.requester },
      );
      expect(refusal.status).toBe(403);
      expect(refusal.body.code).toBe('forbidden');
      expect(refusal.body.detail).toMatch(/requested this change .*separation of duties/);
      await page.goto(`${server.url}/inbox`);
      await page.getByText('Nothing is waiting for your sign-off.').waitFor();
      await page.close();
    });

    it('explains a failing gate on the version page and replays its decision', async () => {
      const page = await signedIn(seeded.tokens.compliance, versionPath('2026.3'));
      const table = page.getByRole('table', { name: /Gates of staging → production/ });
      const gate = table.getByRole('row', { name: /approval-rate-parity/ });
      await expect(gate.getByRole('cell').first().textContent()).resolves.toBe('Fail');
      await gate
        .getByText(/Disparate impact ratio for sex is 0\.651.*below the required minimum of 0\.8/)
        .waitFor();
      await expect(gate.textContent()).resolves.toContain('>= 0.8');
      const auc = table.getByRole('row', { name: /^auc/ });
      await auc.getByText(/95% CI .* lower bound must be ≥ -0\.01/).waitFor();
      // One evidence file downloads on its own, checked against its listed digest first.
      const evidence = page.getByRole('table', { name: /Evidence \(8 files\)/ });
      const listed = evidence.getByRole('row', { name: /predictions\.csv/ });
      const digest = await listed.locator('code.digest').getAttribute('title');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        evidence.getByRole('button', { name: 'Download predictions.csv' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('predictions.csv');
      const saved = readFileSync((await download.path()) as string);
      expect(`sha256:${createHash('sha256').update(saved).digest('hex')}`).toBe(digest);
      await page.getByRole('button', { name: 'Approve' }).waitFor();
      await page.getByRole('button', { name: 'Replay this decision' }).click();
      await page.getByText(/Replay reproduced the decision: denied/).waitFor();
      await expectAccessible(page);
      await page.screenshot({ path: join(screenshots, 'version-page.png'), fullPage: true });
      await page.close();
    });

    it('answers an unknown address with an accessible not-found page', async () => {
      const page = await signedIn(seeded.tokens.owner, '/no/such/page');
      await page.getByRole('heading', { name: 'Page not found', level: 1 }).waitFor();
      await expectAccessible(page);
      await page.close();
    });

    it('returns to sign-in with a message when the token stops working', async () => {
      const page = await signedIn(seeded.tokens.owner);
      await page.evaluate(() =>
        (
          globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }
        ).sessionStorage.setItem('clearance.token', 'clr_revoked_token'),
      );
      await page.reload();
      await page.getByText(/Your session ended/).waitFor();
      // Signing in again from the keyboard alone: type the token, press Enter.
      await page.getByLabel('API token').focus();
      await page.keyboard.type(seeded.tokens.owner);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Release board' }).waitFor();
      await page.close();
    });
  });
}
