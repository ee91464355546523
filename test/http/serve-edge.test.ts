/**
 * The edge as `clearance serve` wires it (compose.ts), over a real socket on SQLite: the
 * failed-authentication limit from Config, and access.denied aggregation whose pending counts are
 * written when the server stops.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { bootstrapAdmin } from '../../src/app/index.js';
import type { AuditEntry } from '../../src/audit/index.js';
import { openRegistry, startServer } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('limits failed authentication and aggregates denials as configured, flushing at shutdown', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clearance-serve-edge-'));
  dirs.push(dataDir);
  const config = loadConfig({
    env: {},
    flags: { dataDir, port: 0, authFailureLimit: 2, checkpointIntervalSeconds: 0 },
  });
  const registry = await openRegistry(config);
  const { token } = await bootstrapAdmin(registry.deps, { userId: 'root' });
  const server = await startServer(registry);
  const call = (path: string, bearer: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    });
  try {
    await call('/api/v1/users', token.token, {
      method: 'POST',
      body: JSON.stringify({ id: 'nobody' }),
    });
    const created = await call('/api/v1/tokens', token.token, {
      method: 'POST',
      body: JSON.stringify({ userId: 'nobody' }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const nobody = ((await created.json()) as { token: string }).token;
    for (let i = 0; i < 50; i++) expect((await call('/api/v1/models', nobody)).status).toBe(403);

    const bad = `clr_${'0'.repeat(24)}_${'A'.repeat(43)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('/api/v1/models', bad)).status);
    expect(statuses).toEqual([401, 401, 429]);
    const limited = await call('/api/v1/models', bad);
    expect(limited.headers.get('retry-after')).toMatch(/^[0-9]+$/);
    expect(limited.headers.get('content-security-policy')).toBe(
      "default-src 'none';frame-ancestors 'none'",
    );
  } finally {
    await server.close();
  }

  const reopened = await openRegistry(config);
  try {
    const denied = await reopened.store.read(async (tx) => {
      const out: AuditEntry[] = [];
      for await (const { entry } of tx.audit.entries(0, await tx.audit.size())) {
        if (entry.action === 'access.denied') out.push(entry);
      }
      return out;
    });
    expect(denied.map((e) => e.data)).toEqual([
      { attempted: 'model.list' },
      expect.objectContaining({ attempted: 'model.list', summary: true, suppressed: 49 }),
    ]);
  } finally {
    await reopened.close();
  }
});
