/**
 * A server proves its database against the audit log when it starts (issue 7, finding 10): an
 * approval row inserted behind its back before the start is logged as an error naming the row.
 * A clean start says so once. The check itself is tested on both engines in
 * test/app/state-check.test.ts.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { expect, it, vi } from 'vitest';
import { openRegistry, startServer } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { openDialect } from '../../src/store/index.js';
import type { StoreHarness } from '../app/harness.js';
import { behindTheService, workedRegistry } from '../app/state-fixtures.js';
import { fixedClock } from '../fakes/fixed-clock.js';

it('logs every row that disagrees with the audit log when the server starts', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clearance-start-check-'));
  const file = join(dataDir, 'clearance.db');
  const flags = { database: `sqlite:${file}`, dataDir, port: 0 };
  try {
    const registry = await openRegistry(loadConfig({ env: {}, flags }));
    const h = { deps: registry.deps, store: registry.store, clock: fixedClock() };
    const { open } = await workedRegistry(h as unknown as StoreHarness, 'start-pd');
    await registry.close();
    const dialect = openDialect({ engine: 'sqlite', file });
    try {
      await behindTheService(dialect, [], async (db) => {
        await sql`insert into approvals (id, request_id, approver, role, decision, comment, ticket, risk_class, evidence_digest, policy_digest, at)
          values ('ghost-start', ${open.id}, 'ghost', 'tech_lead', 'approve', 'lgtm', null, 'low', ${open.evidenceDigest}, ${open.policyDigest}, ${new Date().toISOString()})`.execute(
          db,
        );
      });
    } finally {
      await dialect.destroy();
    }
    let log = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        log += String(chunk);
        done();
      },
    });
    const server = await startServer(await openRegistry(loadConfig({ env: {}, flags })), {
      logger: { level: 'info', stream },
    });
    try {
      await vi.waitFor(() => expect(log).toContain('database does NOT agree with the audit log'), {
        timeout: 30_000,
        interval: 100,
      });
      expect(log).toContain('approvals ghost-start: the row has no audit entry');
    } finally {
      await server.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}, 60_000);

it('logs a clean start once, though the start-up check and the state.check job both run', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clearance-start-check-'));
  const flags = { database: `sqlite:${join(dataDir, 'clearance.db')}`, dataDir, port: 0 };
  try {
    let log = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        log += String(chunk);
        done();
      },
    });
    const registry = await openRegistry(loadConfig({ env: {}, flags }));
    const server = await startServer(registry, { logger: { level: 'info', stream } });
    try {
      // The job's first period is due at the first start: wait for it to have run.
      await vi.waitFor(
        async () => {
          const job = await registry.store.read((tx) => tx.jobs.find('state.check'));
          expect(job?.outcome).toBe('succeeded');
        },
        { timeout: 30_000, interval: 50 },
      );
    } finally {
      // Waits for the start-up check too.
      await server.close();
    }
    const lines = log.split('\n').filter((line) => line.includes('database agrees with'));
    expect(lines).toHaveLength(1);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}, 60_000);
