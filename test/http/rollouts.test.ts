/**
 * Rollouts over the API, on every engine: the recommender's promotion starts a canary that
 * `/serving` shows, KPI batches are posted (idempotent per batch id, 409 on a reused id, 400 on
 * bad points, 413 over the body limit), and the manual actions are role-checked.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { forEachStore, type StoreHarness } from '../app/harness.js';
import { startRecommenderCanary } from '../app/rollout-fixture.js';
import { serve as serveApi } from './review-fixture.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(h: StoreHarness) {
  const served = await serveApi(h);
  app = served.app;
  return served;
}

forEachStore('rollouts over the API', (open) => {
  it('shows the canary, takes KPI batches once per batch id, and acts by role', async () => {
    const h = await open();
    const { rolloutId, startedAt } = await startRecommenderCanary(h);
    const { personWith, call } = await serve(h);
    const ci = await personWith('ci.kpi', 'mlops');
    const product = await personWith('pia.product', 'product_owner');

    const serving = await call(ci, 'GET', '/models/home-feed/serving');
    expect(serving.body).toMatchObject({
      production: { version: 'b1' },
      canary: { version: 'c1', traffic: 10 },
    });
    const listed = await call(ci, 'GET', '/rollouts?status=running');
    expect(listed.body.map((r: { id: string }) => r.id)).toEqual([rolloutId]);
    expect((await call(ci, 'GET', '/rollouts?status=completed')).body).toEqual([]);

    const at = new Date(startedAt).toISOString();
    const batch = {
      batchId: 'kpi-0001',
      points: [
        { series: 'ctr', arm: 'candidate', at, successes: 500, trials: 10_000 },
        { series: 'ctr', arm: 'control', at, successes: 510, trials: 10_000 },
        { series: 'latency_ms', arm: 'candidate', at, values: [12, 15, 40], counts: [10, 5, 1] },
      ],
    };
    h.clock.advance(60_000);
    const posted = await call(ci, 'POST', `/rollouts/${rolloutId}/observations`, batch);
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    expect(posted.body).toMatchObject({
      accepted: 3,
      duplicate: false,
      rollout: { status: 'running' },
    });
    const retried = await call(ci, 'POST', `/rollouts/${rolloutId}/observations`, batch);
    expect(retried.body).toMatchObject({ accepted: 0, duplicate: true });
    const reused = await call(ci, 'POST', `/rollouts/${rolloutId}/observations`, {
      ...batch,
      points: batch.points.slice(1),
    });
    expect(reused.status).toBe(409);
    const bad = await call(ci, 'POST', `/rollouts/${rolloutId}/observations`, {
      batchId: 'kpi-0002',
      points: [{ series: 'ctr', arm: 'candidate', at, successes: 5, trials: 1 }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('successes (5) exceed trials (1)');
    const unknown = await call(ci, 'POST', `/rollouts/${rolloutId}/observations`, {
      batchId: 'kpi-0003',
      points: [{ series: 'ctr', arm: 'canary', at, successes: 1, trials: 1 }],
    });
    expect(unknown.status).toBe(400);

    const forbidden = await call(ci, 'POST', `/rollouts/${rolloutId}/promote`, {});
    expect(forbidden.status).toBe(403);
    const paused = await call(ci, 'POST', `/rollouts/${rolloutId}/pause`, {
      reason: 'Holiday traffic',
      ticket: 'CHG-1',
    });
    expect(paused.body).toMatchObject({ status: 'paused', pausedBy: 'manual' });
    const promoted = await call(product, 'POST', `/rollouts/${rolloutId}/promote`, {
      reason: 'Clean on the dashboards',
    });
    expect(promoted.body).toMatchObject({ status: 'completed', traffic: 100 });
    // The reasons and the ticket are in the audit entries, and the rollout shows them.
    const shown = await call(ci, 'GET', `/rollouts/${rolloutId}`);
    expect(shown.body.actions).toMatchObject([
      { action: 'pause', reason: 'Holiday traffic', ticket: 'CHG-1' },
      { action: 'promote', reason: 'Clean on the dashboards' },
    ]);
    const after = await call(ci, 'GET', '/models/home-feed/serving');
    expect(after.body).toMatchObject({
      production: { version: 'c1' },
      rollbackTarget: { version: 'b1' },
    });
    expect(after.body.canary).toBeUndefined();
    const ended = await call(ci, 'POST', `/rollouts/${rolloutId}/observations`, {
      batchId: 'kpi-0004',
      points: [{ series: 'ctr', arm: 'candidate', at, successes: 1, trials: 1 }],
    });
    expect(ended.status).toBe(412);
    expect((await call(ci, 'GET', '/rollouts/nope')).status).toBe(404);
  });

  it('refuses a batch over its value limit (400) or body limit (413) and stores nothing', async () => {
    const h = await open();
    const { rolloutId, startedAt } = await startRecommenderCanary(h);
    const { personWith, tokens, app: server } = await serve(h);
    const ci = await personWith('ci.kpi', 'mlops');
    const at = new Date(startedAt).toISOString();
    const post = (values: number[]) =>
      server.inject({
        method: 'POST',
        url: `/api/v1/rollouts/${rolloutId}/observations`,
        headers: { authorization: `Bearer ${tokens[ci]}`, 'content-type': 'application/json' },
        payload: JSON.stringify({
          batchId: 'huge',
          points: [{ series: 'latency_ms', arm: 'candidate', at, values }],
        }),
      });
    // About 4 MB: under the body limit, over the values a batch may hold.
    const many = await post(Array.from({ length: 1_100_000 }, (_, i) => i % 1000));
    expect(many.statusCode).toBe(400);
    expect(many.json().detail).toContain('at most 1000000');
    // About 13 MB: over the route's 8 MiB body limit.
    const large = await post(Array.from({ length: 1_100_000 }, (_, i) => i + 0.123456));
    expect(large.statusCode).toBe(413);
    expect(await h.store.read((tx) => tx.rollouts.points(rolloutId))).toEqual([]);
  });
});
