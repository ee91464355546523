/**
 * The overdue post-incident review in a real browser: the database is seeded before the server
 * starts, on a clock three days behind (seed-overdue.ts), so `clearance serve` on the real clock
 * finds the review of an emergency change a day overdue. The board marks it, the inbox lists it
 * as overdue with its due date, and once a risk officer records the review in the browser both
 * marks are gone. Runs on SQLite and on PostgreSQL.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../e2e/http-client.js';
import { personTokenOn } from '../e2e/live-server.js';
import { databaseEnginesFor, type FreshPostgres, freshPostgresDatabase } from '../store/engines.js';
import { type Browser, launchBrowser, seriousViolations } from './browser.js';
import { hotfix, type OverdueRelease, overdueModel, serveOverdueReview } from './seed-overdue.js';

const title = 'web UI: an overdue post-incident review';

for (const engine of databaseEnginesFor(title)) {
  describe(`${title} [${engine}]`, () => {
    let pg: FreshPostgres | undefined;
    let seeded: OverdueRelease;
    let browser: Browser;

    beforeAll(async () => {
      pg = engine === 'postgres' ? await freshPostgresDatabase() : undefined;
      seeded = await serveOverdueReview(pg?.url);
      browser = await launchBrowser();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await seeded?.server.stop();
      await pg?.drop();
    });

    async function signedIn(token: string, path: string): Promise<Page> {
      const page = await browser.context.newPage();
      await page.goto(`${seeded.server.url}${path}`);
      await page.getByLabel('API token').fill(token);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      return page;
    }

    it('marks the review overdue on the board and in the inbox until it is recorded', async () => {
      expect(seeded.reviewDueAt.getTime()).toBeLessThan(Date.now());
      const token = await personTokenOn(seeded.server, 'rhea.review', ['risk_officer']);
      const page = await signedIn(token, '/');
      const row = page.getByRole('row', { name: new RegExp(overdueModel) });
      const stages = row.getByRole('list', { name: `Stages of ${overdueModel}` });
      await expect(
        stages.getByRole('listitem').filter({ hasText: 'production' }).textContent(),
      ).resolves.toContain(hotfix);
      await row.getByText('1 overdue review', { exact: true }).waitFor();
      // The overdue marks are pages too: axe-core on the board and the inbox in that state.
      expect(await seriousViolations(page)).toEqual([]);

      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Approvals' }).click();
      const review = page.getByRole('region', {
        name: `Review of the emergency change to ${overdueModel} ${hotfix}`,
      });
      await review.getByText('This review is overdue.').waitFor();
      await expect(review.textContent()).resolves.toMatch(/Due.*ago/);
      expect(await seriousViolations(page)).toEqual([]);
      await review.getByLabel('Comment').fill('Hotfix reviewed: rule tightened, no false blocks.');
      await review.getByLabel('Ticket').fill('PAY-78');
      await review.getByRole('button', { name: 'Approve' }).click();
      await page
        .getByRole('status')
        .getByText(`Review of ${overdueModel} ${hotfix}: Approved as risk officer.`)
        .waitFor();
      await page.getByText('No post-incident review is waiting for you.').waitFor();

      await nav.getByRole('link', { name: 'Release board' }).click();
      await row.getByRole('list', { name: `Stages of ${overdueModel}` }).waitFor();
      await expect(row.getByText(/overdue review/).count()).resolves.toBe(0);
      const admin = createClient({ server: seeded.server.url, token: seeded.server.adminToken });
      const due = await admin.call<unknown[]>('GET', '/api/v1/reviews', {
        query: { status: 'due' },
      });
      expect(due).toEqual([]);
      await page.close();
    });
  });
}
