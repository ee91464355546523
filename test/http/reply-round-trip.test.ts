/**
 * The replies the remote registry reads without a cast, on every engine: the records a real
 * promotion, an emergency change with its post-incident review, a dry run, a canary start, a
 * model's history and a policy backtest produce go through the real server (its reply schemas, fast-json-stringify)
 * and parse back deep-equal to what the use case returned. A field the schema forgot in an object
 * without `additionalProperties: true` would be dropped, a wrong type coerced: either fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { importProduction, type UseCases } from '../../src/app/index.js';
import {
  addVersion,
  creditRiskHotfix,
  examplesDir,
  forEachStore,
  people,
  type StoreHarness,
  seedProduction,
  setupModel,
  toStaging,
} from '../app/harness.js';
import { serve as serveFixture } from './review-fixture.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** The real use cases, each answer kept by the use case's name until a test takes it. */
function recorder() {
  const answers = new Map<string, unknown[]>();
  const wrap = (useCases: UseCases): UseCases =>
    new Proxy(useCases, {
      get(target, name, receiver) {
        const member: unknown = Reflect.get(target, name, receiver);
        if (typeof member !== 'function') return member;
        return async (...args: unknown[]) => {
          const answer: unknown = await member.apply(target, args);
          answers.set(String(name), [...(answers.get(String(name)) ?? []), answer]);
          return answer;
        };
      },
    });
  /** The one answer `name` gave since it was last taken, as JSON carries it. */
  const take = (name: keyof UseCases): unknown => {
    const given = answers.get(name) ?? [];
    answers.delete(name);
    expect(given, `answers of ${name}`).toHaveLength(1);
    return JSON.parse(JSON.stringify(given[0]));
  };
  return { wrap, take };
}

async function serve(h: StoreHarness) {
  const recorded = recorder();
  const served = await serveFixture(h, recorded.wrap);
  app = served.app;
  /** Calls the API and expects its reply to be exactly what `useCase` returned. */
  const roundTrip = async (
    useCase: keyof UseCases,
    request: { who: string; method: 'GET' | 'POST'; url: string; payload?: object },
  ) => {
    const reply = await served.call(request.who, request.method, request.url, request.payload);
    expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(300);
    expect(reply.body).toStrictEqual(recorded.take(useCase));
    return reply.body;
  };
  return { ...served, roundTrip };
}

const model = 'credit-risk-pd';
const policyText = readFileSync(join(examplesDir, 'credit-risk', 'policy.yaml'), 'utf8');

forEachStore('replies round-trip the records the use cases return', (open) => {
  it('a promotion: request, approvals, execute, the request, its decision, history, backtest', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
    await seedProduction(h, model, '2026.1');
    await addVersion(h, { model, version: '2026.2', dir: 'credit-risk/candidates/passing' });
    await toStaging(h, model, '2026.2');
    const { personWith, roundTrip } = await serve(h);
    const mlops = await personWith('max.mlops', 'mlops');
    const auditor = await personWith('ada.auditor', 'auditor');

    const ticket = 'RISK-3';
    const requested = await roundTrip('requestTransition', {
      who: mlops,
      method: 'POST',
      url: '/requests',
      payload: { model, version: '2026.2', to: 'production', reason: 'Quarterly refresh', ticket },
    });
    const id: string = requested.request.id;
    for (const [userId, role] of [
      ['olga.owner', 'model_owner'],
      ['rob.risk', 'risk_officer'],
      ['cora.compliance', 'compliance_officer'],
    ] as const) {
      const approver = await personWith(userId, role);
      await roundTrip('recordApproval', {
        who: approver,
        method: 'POST',
        url: `/requests/${id}/approvals`,
        payload: { decision: 'approve', role, comment: 'Reviewed', ticket, riskClass: 'medium' },
      });
    }
    const pending = await roundTrip('getRequest', {
      who: mlops,
      method: 'GET',
      url: `/requests/${id}`,
    });
    expect(pending.status.counted).toHaveLength(3);

    const executed = await roundTrip('executeTransition', {
      who: mlops,
      method: 'POST',
      url: `/requests/${id}/execute`,
    });
    // The record's optional parts are there to be dropped: the baseline, gate provenance.
    expect(executed.decision.baseline.evidence.length).toBeGreaterThan(0);
    expect(executed.decision.gates.some((g: { provenance?: string }) => g.provenance)).toBe(true);
    await roundTrip('getRequest', { who: mlops, method: 'GET', url: `/requests/${id}` });
    await roundTrip('getDecision', {
      who: auditor,
      method: 'GET',
      url: `/decisions/${executed.decision.id}`,
    });
    const history = await roundTrip('modelHistory', {
      who: auditor,
      method: 'GET',
      url: `/models/${model}/history`,
    });
    expect(history.decision.id).toBe(executed.decision.id);

    const stricter = policyText.replace('min: 0.8', 'min: 0.8\n        max: 1.0');
    const report = await roundTrip('backtestPolicy', {
      who: auditor,
      method: 'POST',
      url: '/policies/backtest',
      payload: { policy: stricter, model },
    });
    expect(report.differing.length).toBeGreaterThan(0);
  });

  it('an emergency change: its request, sign-off, execution under bypass and its review', async () => {
    const h = await open();
    await setupModel(h, 'credit-risk', model, 'regulated');
    await addVersion(h, { model, version: '2026.1', dir: 'credit-risk/baseline' });
    await seedProduction(h, model, '2026.1');
    const hotfix = creditRiskHotfix;
    await addVersion(h, { model, version: hotfix.version, dir: 'credit-risk/candidates/hotfix' });
    await toStaging(h, model, hotfix.version);
    const { personWith, roundTrip } = await serve(h);
    const bob = await personWith('bob.breakglass', 'break_glass');
    const rae = await personWith('rae.risk', 'risk_officer');
    const rita = await personWith('rita.risk', 'risk_officer');

    const requested = await roundTrip('requestTransition', {
      who: bob,
      method: 'POST',
      url: '/requests',
      payload: hotfix,
    });
    const id: string = requested.request.id;
    await roundTrip('recordApproval', {
      who: rae,
      method: 'POST',
      url: `/requests/${id}/approvals`,
      payload: {
        decision: 'approve',
        role: 'risk_officer',
        comment: 'On call: the hotfix is needed now',
        ticket: 'RISK-911',
        riskClass: 'high',
      },
    });
    const executed = await roundTrip('executeTransition', {
      who: bob,
      method: 'POST',
      url: `/requests/${id}/execute`,
    });
    expect(executed.decision.bypass.length).toBeGreaterThan(0);
    expect(executed.decision.signOff.approvals.length).toBeGreaterThan(0);
    const owed = await roundTrip('getRequest', {
      who: rita,
      method: 'GET',
      url: `/requests/${id}`,
    });
    expect(owed.status.basis).toBe('post_incident_review');
    const reviewed = await roundTrip('recordReview', {
      who: rita,
      method: 'POST',
      url: `/requests/${id}/reviews`,
      payload: {
        decision: 'approve',
        role: 'risk_officer',
        comment: 'Root cause understood; hotfix acceptable',
        ticket: 'RISK-912',
      },
    });
    expect(reviewed.review.counted).toHaveLength(1);
    await roundTrip('getDecision', {
      who: rita,
      method: 'GET',
      url: `/decisions/${executed.decision.id}`,
    });
    await roundTrip('modelHistory', { who: rita, method: 'GET', url: `/models/${model}/history` });
  });

  it('a dry run, then a promotion that starts a canary: the execution names the rollout', async () => {
    const h = await open();
    const name = 'recommender';
    await setupModel(h, 'recommender', name, 'medium');
    await addVersion(h, { model: name, version: 'b1', dir: 'recommender/baseline' });
    await importProduction(h.deps, people.admin, { model: name, version: 'b1', reason: 'Served' });
    await addVersion(h, { model: name, version: 'c1', dir: 'recommender/candidates/passing' });
    await toStaging(h, name, 'c1');
    const { personWith, roundTrip } = await serve(h);
    const mlops = await personWith('max.mlops', 'mlops');
    const dryRun = await roundTrip('dryRunTransition', {
      who: mlops,
      method: 'POST',
      url: `/models/${name}/versions/c1/dry-run`,
      payload: { to: 'production' },
    });
    expect(dryRun.gates.length).toBeGreaterThan(0);
    const requested = await roundTrip('requestTransition', {
      who: mlops,
      method: 'POST',
      url: '/requests',
      payload: { model: name, version: 'c1', to: 'production', reason: 'CTR lift' },
    });
    const id: string = requested.request.id;
    for (const [userId, role] of [
      ['olga.owner', 'model_owner'],
      ['pia.product', 'product_owner'],
    ] as const) {
      await roundTrip('recordApproval', {
        who: await personWith(userId, role),
        method: 'POST',
        url: `/requests/${id}/approvals`,
        payload: { decision: 'approve', role, comment: 'Reviewed', riskClass: 'low' },
      });
    }
    const executed = await roundTrip('executeTransition', {
      who: mlops,
      method: 'POST',
      url: `/requests/${id}/execute`,
    });
    expect(executed.rollout.traffic).toBeGreaterThan(0);
  });
});
