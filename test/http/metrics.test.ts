/** `GET /metrics`: Prometheus text exposition with HTTP, process and registry metrics. */
import { afterEach, describe, expect, it } from 'vitest';
import type { RegistryMetrics } from '../../src/app/index.js';
import { stubServer } from './fixture.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const snapshot: RegistryMetrics = {
  models: 3,
  auditEntries: 42,
  latestCheckpoint: { size: 40, createdAt: '2026-03-01T09:00:00.000Z' },
  pendingRequests: [
    { to: 'production', changeType: 'standard', count: 2 },
    { to: 'staging', changeType: 'experiment', count: 1 },
  ],
  overdueReviews: 1,
};

describe('GET /metrics', () => {
  it('exposes request counts by route template, the process and the registry snapshot', async () => {
    const { app, identity } = stubServer(
      { registryMetrics: async () => snapshot },
      { now: () => new Date('2026-03-01T09:01:30.000Z') },
    );
    close = () => app.close();
    const auth = { authorization: identity.bearer('pat', 'auditor') };
    await app.inject({ method: 'GET', url: '/healthz' });
    await app.inject({ method: 'GET', url: '/api/v1/models/nope/serving', headers: auth });
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    const line = (prefix: string) =>
      text.split('\n').find((l) => l.startsWith(prefix) && !l.startsWith('#'));
    expect(line('clearance_audit_log_entries ')).toBe('clearance_audit_log_entries 42');
    expect(line('clearance_audit_checkpoint_entries ')).toBe(
      'clearance_audit_checkpoint_entries 40',
    );
    expect(line('clearance_audit_entries_not_checkpointed ')).toBe(
      'clearance_audit_entries_not_checkpointed 2',
    );
    expect(line('clearance_audit_checkpoint_age_seconds ')).toBe(
      'clearance_audit_checkpoint_age_seconds 90',
    );
    expect(text).toContain('clearance_pending_requests{to="production",change_type="standard"} 2');
    expect(text).toContain('clearance_pending_requests{to="staging",change_type="experiment"} 1');
    expect(line('clearance_overdue_reviews ')).toBe('clearance_overdue_reviews 1');
    expect(line('clearance_models ')).toBe('clearance_models 3');
    // Route templates, never raw URLs with ids in them.
    expect(text).toContain(
      'clearance_http_requests_total{method="GET",route="/healthz",status_code="200"} 1',
    );
    expect(text).toMatch(
      /clearance_http_requests_total\{method="GET",route="\/api\/v1\/models\/:name\/serving",status_code="\d+"\} 1/,
    );
    expect(text).not.toContain('/models/nope/');
    expect(text).toMatch(/^clearance_process_resident_memory_bytes \d+/m);
  });

  it('needs a token', async () => {
    const { app } = stubServer({ registryMetrics: async () => snapshot });
    close = () => app.close();
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(401);
  });
});
