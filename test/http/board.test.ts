/**
 * The release board over HTTP on every engine: who sees which models, "waiting for me" as the
 * inbox decides it, filters, keyset pages and bad input.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import {
  bootstrapAdmin,
  createToken,
  createUser,
  grantRole,
  requestTransition,
} from '../../src/app/index.js';
import {
  addVersion,
  forEachStore,
  people,
  seedProduction,
  setupModel,
  toStaging,
} from '../app/harness.js';
import { serveHarness } from './serve-harness.js';

forEachStore('release board over HTTP', (open) => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function serve() {
    const h = await open();
    app = serveHarness(h);
    await bootstrapAdmin(h.deps, { userId: people.admin.id });
    for (const name of ['credit-a', 'credit-b', 'credit-c']) {
      await setupModel(h, 'credit-risk', name, 'regulated');
    }
    await setupModel(h, 'recommender', 'recs', 'low');
    const model = 'credit-b';
    await addVersion(h, { model, version: '1', dir: 'credit-risk/baseline' });
    await seedProduction(h, model, '1');
    await addVersion(h, { model, version: '2', dir: 'credit-risk/candidates/passing' });
    await toStaging(h, model, '2');
    const { request } = await requestTransition(h.deps, people.mlops, {
      model,
      version: '2',
      to: 'production',
      reason: 'Quarterly refresh',
      ticket: 'RISK-3',
    });
    const tokens: Record<string, string> = {};
    const users: [string, string, string | undefined][] = [
      ['rob.risk', 'risk_officer', undefined],
      ['max.mlops', 'mlops', undefined],
      ['sam.scoped', 'model_owner', 'recs'],
    ];
    for (const [id, role, scope] of users) {
      await createUser(h.deps, people.admin, { id });
      await grantRole(h.deps, people.admin, {
        userId: id,
        role,
        ...(scope ? { model: scope } : {}),
      });
      tokens[id] = (await createToken(h.deps, people.admin, { userId: id })).token;
    }
    const server = app;
    const get = (who: string, url: string) =>
      server.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens[who]}` } });
    return { get, request };
  }

  const names = (body: { models: { model: { name: string } }[] }) =>
    body.models.map((row) => row.model.name);

  it('shows stages, open requests and who they wait for, filtered and paged', async () => {
    const { get, request } = await serve();
    const all = await get('rob.risk', '/api/v1/board');
    expect(all.statusCode).toBe(200);
    expect(names(all.json())).toEqual(['credit-a', 'credit-b', 'credit-c', 'recs']);
    expect(all.json().next).toBeNull();
    const row = all.json().models[1];
    expect(row.versions).toEqual([
      { version: '1', state: 'production' },
      { version: '2', state: 'staging' },
    ]);
    expect(row.production).toBe('1');
    expect(row.open.map((o: { request: { id: string } }) => o.request.id)).toEqual([request.id]);
    expect(row.open[0].waitingForMe).toEqual(['risk_officer']);
    expect(row.overdueReviews).toBe(0);

    const mine = await get('rob.risk', '/api/v1/board?waitingFor=me');
    expect(names(mine.json())).toEqual(['credit-b']);
    // The requester may not sign their own request: nothing waits for them.
    const requester = await get('max.mlops', '/api/v1/board?waitingFor=me');
    expect(names(requester.json())).toEqual([]);
    const own = await get('max.mlops', '/api/v1/board');
    expect(own.json().models[1].open[0].waitingForMe).toEqual([]);

    expect(names((await get('rob.risk', '/api/v1/board?riskTier=low')).json())).toEqual(['recs']);
    expect(names((await get('rob.risk', '/api/v1/board?team=nobody')).json())).toEqual([]);

    const first = await get('rob.risk', '/api/v1/board?limit=3');
    expect(names(first.json())).toEqual(['credit-a', 'credit-b', 'credit-c']);
    expect(first.json().next).toBe('credit-c');
    const second = await get('rob.risk', '/api/v1/board?limit=3&after=credit-c');
    expect(names(second.json())).toEqual(['recs']);
    expect(second.json().next).toBeNull();
  });

  it('lists only the models a scoped role holds, and refuses a page size out of range', async () => {
    const { get } = await serve();
    const scoped = await get('sam.scoped', '/api/v1/board');
    expect(scoped.statusCode).toBe(200);
    expect(names(scoped.json())).toEqual(['recs']);
    const tooMany = await get('rob.risk', '/api/v1/board?limit=501');
    expect(tooMany.statusCode).toBe(400);
    const unknown = await get('rob.risk', '/api/v1/board?waitingFor=you');
    expect(unknown.statusCode).toBe(400);
  });
});
