/**
 * The reads the web UI's policy view and rollout page need, on every engine: a model's policy
 * (YAML, digest, each transition's rules), a dry run of a transition's gates that stores
 * nothing, and a rollout's timeline of decided KPI windows and state changes from the audit log.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { importProduction, ingestObservations } from '../../src/app/index.js';
import {
  addVersion,
  forEachStore,
  people,
  type StoreHarness,
  setupModel,
  toStaging,
} from '../app/harness.js';
import { hour, minute, slices, startRecommenderCanary } from '../app/rollout-fixture.js';
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

const auditSize = (h: StoreHarness) => h.store.read((tx) => tx.audit.size());

forEachStore('web views over the API', (open) => {
  it('shows a model’s policy: YAML, digest, and who must do what per transition', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', 'credit-risk-pd', 'regulated');
    const { personWith, call } = await serve(h);
    const risk = await personWith('rita.risk', 'risk_officer');
    const stranger = await personWith('sam.nobody');
    const model = await call(risk, 'GET', '/models/credit-risk-pd');
    const policy = await call(risk, 'GET', '/models/credit-risk-pd/policy');
    expect(policy.status, JSON.stringify(policy.body)).toBe(200);
    expect(policy.body).toMatchObject({ model: 'credit-risk-pd', digest: model.body.policyDigest });
    expect(policy.body.text).toContain('apiVersion: clearance/v1');
    const toProduction = policy.body.transitions.find(
      (t: { from: string; to: string }) => t.from === 'staging' && t.to === 'production',
    );
    expect(toProduction.requestedBy.length).toBeGreaterThan(0);
    expect(toProduction.approvals).toContainEqual({ role: 'risk_officer', count: 1 });
    expect(toProduction.gates.length).toBeGreaterThan(0);
    expect((await call(stranger, 'GET', '/models/credit-risk-pd/policy')).status).toBe(403);
    expect((await call(risk, 'GET', '/models/nope/policy')).status).toBe(404);
  });

  it('dry-runs a transition’s gates on stored evidence and stores nothing', async () => {
    const h = await open();
    await setupModel(h, 'recommender', 'home-feed', 'medium');
    await addVersion(h, { model: 'home-feed', version: 'b1', dir: 'recommender/baseline' });
    await importProduction(h.deps, people.admin, {
      model: 'home-feed',
      version: 'b1',
      reason: 'Served before',
    });
    await addVersion(h, {
      model: 'home-feed',
      version: 'c1',
      dir: 'recommender/candidates/passing',
    });
    await addVersion(h, {
      model: 'home-feed',
      version: 'f1',
      dir: 'recommender/candidates/failing',
    });
    await toStaging(h, 'home-feed', 'c1');
    await toStaging(h, 'home-feed', 'f1');
    const { personWith, call } = await serve(h);
    const product = await personWith('pia.product', 'product_owner');
    const before = await auditSize(h);
    const passing = await call(product, 'POST', '/models/home-feed/versions/c1/dry-run', {
      to: 'production',
    });
    expect(passing.status, JSON.stringify(passing.body)).toBe(200);
    expect(passing.body).toMatchObject({
      from: 'staging',
      to: 'production',
      outcome: 'pass',
      baselineVersion: 'b1',
    });
    expect(passing.body.gates.every((g: { outcome: string }) => g.outcome === 'pass')).toBe(true);
    expect(passing.body.approvals.length).toBeGreaterThan(0);
    const failing = await call(product, 'POST', '/models/home-feed/versions/f1/dry-run', {
      to: 'production',
    });
    expect(failing.body.outcome).toBe('fail');
    const failed = failing.body.gates.filter((g: { outcome: string }) => g.outcome !== 'pass');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0].explanation.length).toBeGreaterThan(10);
    expect(await auditSize(h)).toBe(before);
    expect(await h.store.read((tx) => tx.requests.list({ model: 'home-feed' }))).toHaveLength(2);
    const undefinedTransition = await call(
      product,
      'POST',
      '/models/home-feed/versions/c1/dry-run',
      {
        to: 'archived',
      },
    );
    expect(undefinedTransition.status).toBe(412);
    expect(undefinedTransition.body.detail).toContain('no transition staging → archived');
    expect(
      (await call(product, 'POST', '/models/home-feed/versions/zz/dry-run', { to: 'production' }))
        .status,
    ).toBe(404);
  });

  it('gives a rolled-back canary’s decided windows and state changes, from the audit log', async () => {
    const h = await open();
    const { rolloutId, startedAt } = await startRecommenderCanary(h);
    // CTR 1.2% lower in hours 3 and 4: the trigger (≤ −1% sustained 2 h) rolls back.
    let status = 'running';
    for (
      let from = startedAt;
      from < startedAt + 10 * hour && status === 'running';
      from += 5 * minute
    ) {
      const k = Math.floor((from - startedAt) / hour);
      h.clock.set(new Date(from + 5 * minute));
      const result = await ingestObservations(h.deps, people.mlops, {
        rolloutId,
        batchId: `b-${from}`,
        points: slices(from, from + 5 * minute, () => ({ ctrDrop: k >= 3 ? 0.012 : 0 })),
      });
      status = result.rollout.status;
    }
    expect(status).toBe('rolled_back');
    const { personWith, call } = await serve(h);
    const product = await personWith('pia.product', 'product_owner');
    const timeline = await call(product, 'GET', `/rollouts/${rolloutId}/timeline`);
    expect(timeline.status, JSON.stringify(timeline.body)).toBe(200);
    const ctr = timeline.body.windows.filter((w: { metric: string }) => w.metric === 'ctr');
    expect(ctr.map((w: { verdict: string }) => w.verdict)).toEqual([
      'pass',
      'pass',
      'pass',
      'fail',
      'fail',
    ]);
    expect(ctr[3]).toMatchObject({
      window: { index: 3, start: startedAt + 3 * hour, end: startedAt + 4 * hour },
      op: '<=',
      threshold: -0.01,
      observed: { candidate: expect.any(Number), control: expect.any(Number) },
    });
    // Rolled back: nothing is left to do, whoever asks.
    expect(timeline.body.actions).toEqual([]);
    const actions = timeline.body.events.map((e: { action: string }) => e.action);
    expect(actions[0]).toBe('rollout.started');
    expect(actions).toContain('rollout.rolled_back');
    const stranger = await personWith('sam.nobody');
    expect((await call(stranger, 'GET', `/rollouts/${rolloutId}/timeline`)).status).toBe(403);
  });

  it('offers each caller exactly the rollout actions its roles and the status allow', async () => {
    const h = await open();
    const { rolloutId } = await startRecommenderCanary(h);
    const { personWith, call } = await serve(h);
    const product = await personWith('pia.product', 'product_owner');
    const ops = await personWith('oli.ops', 'mlops');
    const viewer = await personWith('val.viewer', 'auditor');
    const actions = async (who: string) =>
      (await call(who, 'GET', `/rollouts/${rolloutId}/timeline`)).body.actions;
    expect(await actions(product)).toEqual(['pause', 'abort', 'promote']);
    expect(await actions(ops)).toEqual(['pause', 'abort']);
    expect(await actions(viewer)).toEqual([]);
    expect((await call(ops, 'POST', `/rollouts/${rolloutId}/promote`, {})).status).toBe(403);
    expect((await call(ops, 'POST', `/rollouts/${rolloutId}/pause`, {})).status).toBe(200);
    expect(await actions(product)).toEqual(['resume', 'abort', 'promote']);
    expect(await actions(ops)).toEqual(['abort']);
    expect((await call(product, 'GET', '/rollouts/nope/timeline')).status).toBe(404);
  });
});
