/**
 * The audit entries route's filters over HTTP on every engine: by model, actor, action and time,
 * newest first with `before`, each page naming the next; bad filters refused with one message.
 * The proof routes refuse a tree size that is no whole number as the entries route refuses a seq.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { bootstrapAdmin, createToken, createUser, grantRole } from '../../src/app/index.js';
import { loadAuditSigner } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { forEachStore, people, setupModel } from '../app/harness.js';
import { serveHarness } from './serve-harness.js';

interface Page {
  entries: { entry: { seq: number; action: string; actor: { id: string }; time: string } }[];
  next: number | null;
  code?: string;
  detail?: string;
}

forEachStore('audit entries filtered over HTTP', (open) => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function serve() {
    const h = await open();
    const dataDir = mkdtempSync(join(tmpdir(), 'clearance-audit-entries-'));
    const auditSigner = loadAuditSigner(
      loadConfig({ flags: { dataDir, database: `sqlite:${join(dataDir, 'unused.db')}` }, env: {} }),
    );
    app = serveHarness(h, { auditSigner });
    await bootstrapAdmin(h.deps, { userId: people.admin.id });
    await setupModel(h, 'credit-risk', 'credit-a', 'regulated');
    h.clock.advance(3_600_000);
    await setupModel(h, 'recommender', 'recs', 'low');
    await createUser(h.deps, people.admin, { id: 'ada.auditor' });
    await grantRole(h.deps, people.admin, { userId: 'ada.auditor', role: 'auditor' });
    const token = await createToken(h.deps, people.admin, { userId: 'ada.auditor' });
    const server = app;
    return async (url: string) => {
      const reply = await server.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${token.token}` },
      });
      return { status: reply.statusCode, body: reply.json() as Page };
    };
  }

  it('filters by model, actor, action and time, and pages newest first', async () => {
    const get = await serve();
    const all = (await get('/api/v1/audit/entries?limit=1000')).body.entries.map((e) => e.entry);
    const registered = all.filter((e) => e.action === 'model.registered');
    expect(registered).toHaveLength(2);

    const recs = await get('/api/v1/audit/entries?model=recs');
    expect(recs.status).toBe(200);
    expect(recs.body.entries.map((e) => e.entry.action)).toContain('model.registered');
    expect(recs.body.entries.every((e) => e.entry.seq >= (registered[1]?.seq ?? 0) - 1)).toBe(true);

    const byAdmin = await get(
      `/api/v1/audit/entries?actor=${people.admin.id}&action=model.registered`,
    );
    expect(byAdmin.body.entries.map((e) => e.entry.seq)).toEqual(registered.map((e) => e.seq));

    const since = registered[1]?.time ?? '';
    const late = await get(`/api/v1/audit/entries?action=model.registered&since=${since}`);
    expect(late.body.entries.map((e) => e.entry.seq)).toEqual([registered[1]?.seq]);
    const early = await get(`/api/v1/audit/entries?action=model.registered&until=${since}`);
    expect(early.body.entries.map((e) => e.entry.seq)).toEqual([registered[0]?.seq]);

    // Newest first, one at a time, following `next` as `before`.
    const newest: number[] = [];
    let before: number | null = Number.MAX_SAFE_INTEGER;
    while (before !== null) {
      const page = await get(
        `/api/v1/audit/entries?actor=${people.admin.id}&limit=2&before=${before}`,
      );
      newest.push(...page.body.entries.map((e) => e.entry.seq));
      before = page.body.next;
    }
    const expected = all.filter((e) => e.actor.id === people.admin.id).map((e) => e.seq);
    expect(newest).toEqual(expected.reverse());
  });

  it('refuses a time that is not RFC 3339 and a negative seq', async () => {
    const get = await serve();
    const bad = await get('/api/v1/audit/entries?since=yesterday');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('RFC 3339');
    const negative = await get('/api/v1/audit/entries?before=-1');
    expect(negative.status).toBe(400);
  });

  it('refuses an impossible date, from with before, since after until, and a repeated filter', async () => {
    const get = await serve();
    const refusals = [
      // 30 February is not a day; a lenient parser would read it as 2 March.
      ['since=2026-02-30T00:00:00Z', 'RFC 3339'],
      ['until=2026-01-01T25:00:00Z', 'RFC 3339'],
      ['from=0&before=5', 'before'],
      ['since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z', 'until'],
      ['model=a&model=b', 'model'],
    ] as const;
    for (const [query, mention] of refusals) {
      const reply = await get(`/api/v1/audit/entries?${query}`);
      expect({ query, status: reply.status }).toEqual({ query, status: 400 });
      expect(JSON.stringify(reply.body)).toContain(mention);
    }
    // Text that would break a hand-built SQL string is only a name that matches nothing.
    const quoted = await get(`/api/v1/audit/entries?model=${encodeURIComponent("x' OR '1'='1")}`);
    expect({ status: quoted.status, entries: quoted.body.entries }).toEqual({
      status: 200,
      entries: [],
    });
  });

  it('refuses a checkpoint size past the safe integers (1e400 is Infinity) as invalid input, not as not found', async () => {
    const get = await serve();
    for (const url of [
      '/api/v1/audit/proofs/consistency?from=0&to=1e400',
      '/api/v1/audit/proofs/consistency?from=0&to=9007199254740993',
      '/api/v1/audit/proofs/inclusion/0?size=1e400',
    ]) {
      const reply = await get(url);
      expect({ url, status: reply.status, code: reply.body.code }).toEqual({
        url,
        status: 400,
        code: 'invalid_input',
      });
      expect(reply.body.detail).toContain('is not a tree size');
    }
    // A whole size with no checkpoint is still not found.
    expect((await get('/api/v1/audit/proofs/consistency?from=0&to=7')).status).toBe(404);
  });
});
