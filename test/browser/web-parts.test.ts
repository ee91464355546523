/**
 * The audit explorer, the rollout page and the policy view in a real browser against a real
 * `clearance serve`: the audit log verified in the browser against a pinned key, then a row
 * edited in the database behind the service and the verification naming that entry; a canary
 * that rolled back shown with its breached window; a dry run of a failing transition. axe-core
 * finds no serious or critical violation on these pages. Runs against a server on SQLite and on
 * PostgreSQL; screenshots as in web-ui.test.ts (browser.ts `screenshotsDir`).
 */
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDialect } from '../../src/store/index.js';
import { createClient } from '../e2e/http-client.js';
import { type LiveServer, personTokenOn, startLiveServer } from '../e2e/live-server.js';
import { databaseEnginesFor, type FreshPostgres, freshPostgresDatabase } from '../store/engines.js';
import { type Browser, launchBrowser, screenshotsDir, seriousViolations } from './browser.js';
import { model, type SeededRelease, seedCreditRisk } from './seed.js';
import { type SeededCanary, seedRolledBackCanary } from './seed-canary.js';

const title = 'web UI: rollout, policy and audit pages';

/** Rewrites an entry's actor in the database, its append-only triggers dropped first. */
async function tamperWithEntry(database: string, seq: number): Promise<void> {
  const dialect = openDialect(
    database.startsWith('sqlite:')
      ? { engine: 'sqlite', file: database.slice('sqlite:'.length) }
      : { engine: 'postgres', url: database },
  );
  try {
    for (const statement of dialect.dropAppendOnlyStatements('audit_entries'))
      await sql.raw(statement).execute(dialect.db);
    const { rows } = await sql<{
      entry: string;
    }>`select entry from audit_entries where seq = ${seq}`.execute(dialect.db);
    const entry = rows[0]?.entry.replace('"actor":{"id":"', '"actor":{"id":"mallory-');
    await sql`update audit_entries set entry = ${entry} where seq = ${seq}`.execute(dialect.db);
  } finally {
    await dialect.destroy();
  }
}

for (const engine of databaseEnginesFor(title)) {
  describe(`${title} [${engine}]`, () => {
    let pg: FreshPostgres | undefined;
    let server: LiveServer;
    let seeded: SeededRelease;
    let canary: SeededCanary;
    let browser: Browser;
    const screenshots = screenshotsDir(engine);

    beforeAll(async () => {
      pg = engine === 'postgres' ? await freshPostgresDatabase() : undefined;
      server = await startLiveServer(pg?.url);
      seeded = await seedCreditRisk(server);
      canary = await seedRolledBackCanary(server);
      browser = await launchBrowser();
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      await pg?.drop();
    });

    async function signedIn(token: string, path: string): Promise<Page> {
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

    describe(`web UI: rollout page and policy view [${engine}]`, () => {
      it('shows a canary that rolled back, its breached window on the chart, and no actions left', async () => {
        const page = await signedIn(canary.productToken, `/rollouts/${canary.rolloutId}`);
        await page.getByRole('heading', { name: 'Rollout', exact: true }).waitFor();
        await page.getByText('rolled back', { exact: true }).waitFor();
        await page.getByRole('img', { name: /error_rate per window.*1 window breached/ }).waitFor();
        const breaches = page.getByRole('table').filter({ hasText: 'Why' });
        await expect(breaches.getByRole('row').count()).resolves.toBe(2);
        await page.getByText('There is nothing you can do on this rollout now.').waitFor();
        await page.getByText(/rollout\.rolled_back/).waitFor();
        await expectAccessible(page);
        await page.screenshot({ path: join(screenshots, 'rollout.png'), fullPage: true });
        await page.close();
      });

      it('marks a running canary on the board with its traffic, linked to its rollout', async () => {
        const page = await signedIn(canary.productToken, '/');
        const row = page.getByRole('row', { name: new RegExp(canary.running.model) });
        const badge = row.getByRole('link', { name: 'Rollout: canary at 10% traffic' });
        await badge.waitFor();
        await expect(badge.textContent()).resolves.toBe('canary 10%');
        await badge.click();
        await page.waitForURL(`**/rollouts/${canary.running.rolloutId}`);
        await page.getByRole('heading', { name: 'Rollout', exact: true }).waitFor();
        await page.getByText('running', { exact: true }).first().waitFor();
        await expectAccessible(page);
        await page.close();
      });

      it('renders who must do what per transition and dry-runs a failing candidate', async () => {
        const page = await signedIn(seeded.tokens.risk, `/models/${model}/policy`);
        const production = page.getByRole('region', { name: 'staging to production' });
        await production.getByText(/1 × risk_officer/).waitFor();
        await page.getByLabel('Version').selectOption('2026.3');
        await page.getByLabel('Transition').selectOption('production');
        await page.getByRole('button', { name: 'Run the gates' }).click();
        await page.getByRole('status').getByText('gates would block').waitFor();
        await page.getByRole('cell', { name: /approval-rate-parity/ }).waitFor();
        await expectAccessible(page);
        await page.screenshot({ path: join(screenshots, 'policy.png'), fullPage: true });
        await page.close();
      });
    });

    describe(`web UI: audit explorer [${engine}]`, () => {
      it('verifies the log in the browser, then names an entry edited in the database', async () => {
        const admin = createClient({ server: server.url, token: server.adminToken });
        // What the operator publishes for auditors: the log's public verifier key.
        const { checkpoint } = await admin.call<{
          checkpoint: { verifierKey: string; size: number };
        }>('POST', '/api/v1/audit/checkpoints');
        const auditor = await personTokenOn(server, 'aud.itor', ['auditor']);
        const page = await signedIn(auditor, '/audit');
        await page.getByLabel('Pinned verifier key').fill(checkpoint.verifierKey);
        await page.getByRole('button', { name: 'Pin this key' }).click();
        await page.getByRole('button', { name: 'Verify in browser' }).click();
        const verified = page.getByRole('status').filter({ hasText: 'Verified.' });
        await verified.waitFor({ timeout: 30_000 });
        // The server signs new checkpoints as the log grows (signing in added entries).
        const text = (await verified.textContent()) ?? '';
        const size = Number(/checkpoint of size (\d+)/.exec(text)?.[1]);
        expect(size).toBeGreaterThanOrEqual(checkpoint.size);
        expect(text).toMatch(/signed by clearance\/\S+ \(the pinned key\)/);

        await page.getByLabel('Action').fill('approval.recorded');
        // The server filters: wait for its answer before opening the newest match's proof.
        await page.getByText(/^\d+ entr(y|ies) of \d+ in the log/).waitFor();
        await page
          .locator('tbody tr:first-child td code')
          .filter({ hasText: /^approval\.recorded$/ })
          .waitFor();
        await page
          .getByRole('button', { name: /Inclusion proof/ })
          .first()
          .click();
        await page.getByText(/The audit path leads from the leaf to the root/).waitFor();
        await expect(page.locator('.checks .badge-fail').count()).resolves.toBe(0);
        await expectAccessible(page);
        await page.screenshot({ path: join(screenshots, 'audit.png'), fullPage: true });

        // Behind the service's back: drop the append-only triggers and rewrite entry 3's actor.
        await tamperWithEntry(server.database, 3);

        await page.getByRole('button', { name: 'Verify in browser' }).click();
        const failed = page.getByRole('alert').filter({ hasText: 'Verification failed' });
        await failed.waitFor({ timeout: 30_000 });
        await expect(failed.textContent()).resolves.toMatch(
          /at entry seq 3 \(leaf_hash_mismatch\)/,
        );
        await page.getByText('first bad entry').waitFor();
        await page.screenshot({ path: join(screenshots, 'audit-tampered.png'), fullPage: true });
        await page.close();
      });
    });
  });
}
