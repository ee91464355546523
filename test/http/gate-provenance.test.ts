/**
 * A self-reported figure is labelled as such wherever a gate result leaves Clearance over HTTP:
 * the request's decision and the stored decision record (`GET /decisions/{id}`).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateResult } from '../../src/domain/index.js';
import {
  addVersion,
  type Harness,
  harness,
  seedProduction,
  setupModel,
  toStaging,
} from '../app/harness.js';
import { testIdentity } from './fixture.js';
import { serveHarness } from './serve-harness.js';

const model = 'home-feed';
const identity = testIdentity();
const mlops = identity.bearer('max.mlops', 'mlops');
let h: Harness;
let app: FastifyInstance;

beforeAll(async () => {
  h = harness();
  app = serveHarness(h, { directory: identity.directory });
  await setupModel(h, 'recommender', model, 'medium');
  await addVersion(h, { model, version: '1', dir: 'recommender/baseline' });
  await seedProduction(h, model, '1');
  await addVersion(h, { model, version: '2', dir: 'recommender/candidates/passing' });
  await toStaging(h, model, '2');
});
afterAll(() => app.close());

describe('gate provenance over HTTP', () => {
  it('labels metrics.json figures as self-reported in the decision and the decision record', async () => {
    const requested = await app.inject({
      method: 'POST',
      url: '/api/v1/requests',
      headers: { authorization: mlops },
      payload: { model, version: '2', to: 'production', reason: 'Promote' },
    });
    expect(requested.statusCode, requested.body).toBe(201);
    const decision = requested.json().decision as { id: string; gates: GateResult[] };
    const byId = (gates: GateResult[], id: string) => gates.find((g) => g.gateId === id);
    for (const gates of [decision.gates]) {
      expect(byId(gates, 'latency')?.provenance).toBe('self-reported');
      expect(byId(gates, 'cost')?.provenance).toBe('self-reported');
      expect(byId(gates, 'ctr-lift')?.provenance).toBe('self-reported');
      expect(byId(gates, 'latency')?.explanation).toContain('as self-reported in the metrics file');
    }
    const stored = await app.inject({
      method: 'GET',
      url: `/api/v1/decisions/${decision.id}`,
      headers: { authorization: mlops },
    });
    expect(stored.statusCode, stored.body).toBe(200);
    const record = stored.json() as { gates: GateResult[] };
    expect(byId(record.gates, 'latency')?.provenance).toBe('self-reported');
    expect(byId(record.gates, 'supply-chain')?.provenance).toBeUndefined();
  });
});
