/**
 * `/metrics` as `clearance serve` wires it (compose.ts), over a real socket on SQLite: the store's
 * write path (ADR 050) — writes by outcome, the transactions they shared, busy and wait seconds —
 * and the event loop's busy seconds, moving with the writes the server makes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { bootstrapAdmin } from '../../src/app/index.js';
import { openRegistry, startServer } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The value of the sample `series` (name and labels, as rendered) in a scrape. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`${series} is not in the scrape`);
  return Number(line.slice(series.length + 1));
}

it('counts the server’s writes, their transactions and the time they took', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clearance-write-metrics-'));
  dirs.push(dataDir);
  const config = loadConfig({ env: {}, flags: { dataDir, port: 0, checkpointIntervalSeconds: 0 } });
  const registry = await openRegistry(config);
  const { token } = await bootstrapAdmin(registry.deps, { userId: 'root' });
  const server = await startServer(registry);
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
    });
  const scrape = async () => {
    const res = await call('/metrics');
    expect(res.status).toBe(200);
    return res.text();
  };
  try {
    const before = await scrape();
    const committedBefore = sample(before, 'clearance_store_writes_total{outcome="committed"}');
    const failedBefore = sample(before, 'clearance_store_writes_total{outcome="failed"}');
    // Twenty users created at once (twenty writes, sharing transactions), and one refused: the
    // same id again is a conflict, written in no transaction that commits.
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, k) =>
        call('/api/v1/users', { method: 'POST', body: JSON.stringify({ id: `user-${k}` }) }),
      ),
    );
    expect(created.map((r) => r.status)).toEqual(Array(20).fill(201));
    const again = await call('/api/v1/users', {
      method: 'POST',
      body: JSON.stringify({ id: 'user-0' }),
    });
    expect(again.status).toBe(409);
    const after = await scrape();
    // At least these (the server's job runner writes too; test/store/write-path-stats.test.ts
    // counts exactly).
    const committed =
      sample(after, 'clearance_store_writes_total{outcome="committed"}') - committedBefore;
    const failed = sample(after, 'clearance_store_writes_total{outcome="failed"}') - failedBefore;
    expect(committed).toBeGreaterThanOrEqual(20);
    expect(failed).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'clearance_store_writes_total{outcome="wait_exceeded"}')).toBe(0);
    // SQLite runs no writes side by side (ADR 051: PostgreSQL only), so none runs again; the
    // count itself is held in test/store/group-commit-side-by-side.test.ts.
    expect(sample(after, 'clearance_store_writes_run_again_total')).toBe(0);
    const transactions =
      sample(after, 'clearance_store_write_transactions_total') -
      sample(before, 'clearance_store_write_transactions_total');
    expect(transactions).toBeGreaterThanOrEqual(1);
    expect(transactions).toBeLessThanOrEqual(committed + failed);
    expect(sample(after, 'clearance_store_write_busy_seconds_total')).toBeGreaterThan(
      sample(before, 'clearance_store_write_busy_seconds_total'),
    );
    expect(sample(after, 'clearance_store_write_wait_seconds_total')).toBeGreaterThanOrEqual(
      sample(before, 'clearance_store_write_wait_seconds_total'),
    );
    expect(sample(after, 'clearance_event_loop_active_seconds_total')).toBeGreaterThan(
      sample(before, 'clearance_event_loop_active_seconds_total'),
    );
  } finally {
    await server.close();
  }
});
