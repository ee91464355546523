/**
 * Every write of the served OpenAPI document (and of the MLflow-compatible API) that names a model,
 * a transition request or a rollout, called by two callers who may not read the model: one holding
 * no role, one whose roles are all bound to another model. Each is refused alike (403, audited) for
 * a model that exists and one that does not, for an open request and a closed one, before any
 * lookup could tell a version, a policy, a transition or a state (ADR 040). A new write route of
 * the served document fails the first test until it is classified here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootstrapAdmin,
  cancelRequest,
  createToken,
  createUser,
  grantRole,
  requestTransition,
} from '../../src/app/index.js';
import {
  actions,
  addVersion,
  examplesDir,
  type Harness,
  harness,
  people,
  seedProduction,
  setupModel,
  toStaging,
} from '../app/harness.js';
import { startRecommenderCanary } from '../app/rollout-fixture.js';
import { serveHarness } from './serve-harness.js';

/** What a write names: a model (by path or body), a request or a rollout (by id), or nothing. */
type Scope = 'model' | 'request' | 'rollout' | 'unscoped';

const writes: Record<string, Scope> = {
  'post /api/v1/policies': 'unscoped',
  'post /api/v1/policies/backtest': 'model',
  'post /api/v1/models': 'model',
  'post /api/v1/models/{name}/versions': 'model',
  'post /api/v1/models/{name}/versions/{version}/evidence': 'model',
  'post /api/v1/models/{name}/versions/{version}/import-production': 'model',
  'post /api/v1/models/{name}/versions/{version}/dry-run': 'model',
  'post /api/v1/models/{name}/rollback': 'model',
  'post /api/v1/requests': 'model',
  'post /api/v1/requests/{id}/approvals': 'request',
  'post /api/v1/requests/{id}/cancel': 'request',
  'post /api/v1/requests/{id}/execute': 'request',
  'post /api/v1/requests/{id}/reviews': 'request',
  // A decision's replay is a read (the read matrix walks it).
  'post /api/v1/decisions/{id}/replay': 'unscoped',
  'post /api/v1/rollouts/{id}/observations': 'rollout',
  'post /api/v1/rollouts/{id}/pause': 'rollout',
  'post /api/v1/rollouts/{id}/resume': 'rollout',
  'post /api/v1/rollouts/{id}/abort': 'rollout',
  'post /api/v1/rollouts/{id}/promote': 'rollout',
  // Global admins only: the log, users, tokens and webhooks name no model.
  'post /api/v1/audit/checkpoints': 'unscoped',
  'post /api/v1/users': 'unscoped',
  'post /api/v1/users/{id}/roles': 'unscoped',
  'delete /api/v1/users/{id}/roles': 'unscoped',
  'post /api/v1/users/{id}/disable': 'unscoped',
  'post /api/v1/users/{id}/enable': 'unscoped',
  'put /api/v1/users/{id}/email': 'unscoped',
  'post /api/v1/tokens': 'unscoped',
  'delete /api/v1/tokens/{id}': 'unscoped',
  'post /api/v1/webhooks': 'unscoped',
  'patch /api/v1/webhooks/{id}': 'unscoped',
  'delete /api/v1/webhooks/{id}': 'unscoped',
  'post /api/v1/webhooks/{id}/rotate-secret': 'unscoped',
  'post /api/v1/webhooks/{id}/disable': 'unscoped',
  'post /api/v1/webhooks/{id}/deliveries/{eventId}/redeliver': 'unscoped',
};

const secret = 'secret-feed';
const ghost = 'ghost-feed';
const elsewhere = 'elsewhere-feed';
const reason = { reason: 'Scope check', ticket: 'CHG-1' };
const digest = `sha256:${'a'.repeat(64)}`;

interface Call {
  method: 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  url: string;
  payload?: string | object;
  contentType?: string;
}

/** The call of `route` on `target` (a model name, a request id or a rollout id), its body valid. */
function callFor(route: string, target: string): Call {
  const [method = 'post', path = ''] = route.split(' ');
  const url = path.replace('{name}', target).replace('{version}', 'c1').replace('{id}', target);
  const call = { method: method.toUpperCase() as Call['method'], url };
  const bodies: Record<string, object> = {
    'post /api/v1/policies/backtest': { policy: policyText, model: target },
    'post /api/v1/models': { name: target, ownerTeam: 'ml', policy: policyText },
    'post /api/v1/models/{name}/versions': {
      version: 'n1',
      artifactUri: 's3://m/n1',
      artifactDigest: digest,
    },
    'post /api/v1/models/{name}/versions/{version}/import-production': reason,
    'post /api/v1/models/{name}/versions/{version}/dry-run': { to: 'production' },
    'post /api/v1/models/{name}/rollback': reason,
    'post /api/v1/requests': { model: target, version: 'c1', to: 'production', reason: 'Go' },
    'post /api/v1/requests/{id}/approvals': {
      decision: 'approve',
      role: 'product_owner',
      comment: 'ok',
      riskClass: 'low',
    },
    'post /api/v1/requests/{id}/reviews': {
      decision: 'approve',
      role: 'product_owner',
      comment: 'ok',
      ticket: 'CHG-1',
    },
    'post /api/v1/requests/{id}/cancel': reason,
    'post /api/v1/rollouts/{id}/observations': {
      batchId: 'scope-1',
      points: [{ series: 'ctr', arm: 'candidate', at: now(), successes: 1, trials: 2 }],
    },
    'post /api/v1/rollouts/{id}/abort': reason,
  };
  if (route === 'post /api/v1/models/{name}/versions/{version}/evidence')
    return {
      ...call,
      url: `${url}?path=notes.md`,
      payload: '# Notes\n',
      contentType: 'application/octet-stream',
    };
  const payload = bodies[route];
  return payload === undefined ? call : { ...call, payload };
}

/**
 * The MLflow-compatible writes, each naming a model (and version `c1`) in its body; `#` tells two
 * calls of one route apart (a governed alias is a promotion, a plain one a pointer).
 */
const mlflowWrites: Record<string, (name: string) => object> = {
  'post /registered-models/create': (name) => ({
    name,
    tags: [{ key: 'clearance.policy', value: policyDigest }],
  }),
  'post /model-versions/create': (name) => ({ name, source: 's3://m/mlflow' }),
  'post /model-versions/transition-stage': (name) => ({
    name,
    version: 'c1',
    stage: 'Production',
  }),
  'post /registered-models/alias#governed': (name) => ({ name, alias: 'champion', version: 'c1' }),
  'post /registered-models/alias#plain': (name) => ({ name, alias: 'shadow', version: 'c1' }),
  'delete /registered-models/alias': (name) => ({ name, alias: 'shadow' }),
  'post /registered-models/set-tag': (name) => ({ name, key: 'team', value: 'feed' }),
  'delete /registered-models/delete-tag': (name) => ({ name, key: 'team' }),
  'patch /registered-models/update': (name) => ({ name, description: 'Feed ranking' }),
  'post /model-versions/set-tag': (name) => ({ name, version: 'c1', key: 'k', value: 'v' }),
  'delete /model-versions/delete-tag': (name) => ({ name, version: 'c1', key: 'k' }),
  'patch /model-versions/update': (name) => ({ name, version: 'c1', description: 'Candidate' }),
};

let h: Harness;
let app: FastifyInstance;
let policyText = '';
let policyDigest = '';
const now = () => h.clock.now().toISOString();
const callers = new Map<string, string>();
/** Two records of each kind the callers may not read: one open, one closed (or none). */
const targets: Record<Exclude<Scope, 'unscoped'>, string[]> = {
  model: [secret, ghost],
  request: [],
  rollout: [],
};

async function seed(): Promise<void> {
  policyText = readFileSync(join(examplesDir, 'recommender', 'policy.yaml'), 'utf8');
  policyDigest = (await setupModel(h, 'recommender', secret, 'medium')).digest;
  await setupModel(h, 'recommender', elsewhere, 'medium');
  await addVersion(h, { model: secret, version: 'b1', dir: 'recommender/baseline' });
  await seedProduction(h, secret, 'b1');
  for (const version of ['c1', 'c2']) {
    await addVersion(h, { model: secret, version, dir: 'recommender/candidates/passing' });
    await toStaging(h, secret, version);
    const { request } = await requestTransition(h.deps, people.ci, {
      model: secret,
      version,
      to: 'production',
      reason: 'CTR lift',
    });
    targets.request.push(request.id);
  }
  await cancelRequest(h.deps, people.ci, { requestId: targets.request[1] ?? '', reason: 'Stale' });
  const { rolloutId } = await startRecommenderCanary(h, { model: `${secret}-canary` });
  targets.rollout.push(rolloutId);
}

async function seedCallers(): Promise<void> {
  const { token } = await bootstrapAdmin(h.deps, { userId: people.admin.id });
  callers.set('admin', `Bearer ${token.token}`);
  await createUser(h.deps, people.admin, { id: 'u.none' });
  await createUser(h.deps, people.admin, { id: 'u.elsewhere' });
  for (const role of ['admin', 'model_owner', 'mlops', 'product_owner', 'break_glass'])
    await grantRole(h.deps, people.admin, { userId: 'u.elsewhere', role, model: elsewhere });
  for (const id of ['u.none', 'u.elsewhere'])
    callers.set(id, `Bearer ${(await createToken(h.deps, people.admin, { userId: id })).token}`);
}

beforeAll(async () => {
  h = harness();
  app = serveHarness(h);
  await seed();
  await seedCallers();
}, 60_000);
afterAll(() => app?.close());

async function send(call: Call, authorization: string) {
  const response = await app.inject({
    method: call.method,
    url: call.url,
    headers: {
      authorization,
      ...(call.contentType ? { 'content-type': call.contentType } : {}),
    },
    ...(call.payload === undefined ? {} : { payload: call.payload }),
  });
  return { status: response.statusCode, body: response.body };
}

/** Refused on the roles alone (admin; the backtesting roles) before anything is read. */
const refusedOnRoles = new Set(['post /api/v1/models', 'post /api/v1/policies/backtest']);

/** The answer with the target's name or id taken out, so two targets' answers compare. */
const anonymised = (body: string, target: string) => body.replaceAll(target, '<target>');

describe('writes naming a model the caller may not read', () => {
  it('classifies every write route of the served OpenAPI document', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    const paths = response.json().paths as Record<string, Record<string, unknown>>;
    const served = Object.entries(paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => m !== 'get')
        .map((m) => `${m} ${path}`),
    );
    expect(served.sort()).toEqual(Object.keys(writes).sort());
  });

  for (const [route, scope] of Object.entries(writes)) {
    if (scope === 'unscoped') continue;
    for (const caller of ['u.none', 'u.elsewhere']) {
      it(`${route}: ${caller} is refused alike for each ${scope}`, async () => {
        const answers = new Set<string>();
        for (const target of targets[scope]) {
          const before = actions(h).length;
          const { status, body } = await send(callFor(route, target), callers.get(caller) ?? '');
          expect(status, body).toBe(403);
          if (!refusedOnRoles.has(route))
            expect(JSON.parse(body).detail).toMatch(/holds no role on (it|model)/);
          expect(actions(h).slice(before)).toEqual(['access.denied']);
          answers.add(anonymised(body, target));
        }
        expect([...answers]).toHaveLength(1);
      });
    }
  }

  for (const [route, body] of Object.entries(mlflowWrites)) {
    const [method = 'post', path = ''] = route.split(' ');
    for (const caller of ['u.none', 'u.elsewhere']) {
      it(`MLflow ${route}: ${caller} is PERMISSION_DENIED alike for each model`, async () => {
        const answers = new Set<string>();
        for (const target of targets.model) {
          const call = {
            method: method.toUpperCase() as Call['method'],
            url: `/api/2.0/mlflow${path.split('#')[0]}`,
            payload: body(target),
          };
          const answer = await send(call, callers.get(caller) ?? '');
          expect(answer.status, answer.body).toBe(403);
          expect(JSON.parse(answer.body).error_code).toBe('PERMISSION_DENIED');
          answers.add(anonymised(answer.body, target));
        }
        expect([...answers]).toHaveLength(1);
      });
    }
  }

  it('still tells a caller who may read the model what is missing', async () => {
    const owner = 'u.owner';
    await createUser(h.deps, people.admin, { id: owner });
    await grantRole(h.deps, people.admin, { userId: owner, role: 'model_owner', model: secret });
    const bearer = `Bearer ${(await createToken(h.deps, people.admin, { userId: owner })).token}`;
    const request = (version: string, to: string) =>
      send(
        {
          method: 'POST',
          url: '/api/v1/requests',
          payload: { model: secret, version, to, reason: 'Go' },
        },
        bearer,
      );
    expect((await request('c9', 'staging')).status).toBe(404);
    expect((await request('c1', 'moon')).status).toBe(412);
    const mlflow = await send(
      {
        method: 'POST',
        url: '/api/2.0/mlflow/model-versions/set-tag',
        payload: {
          name: secret,
          version: 'c9',
          key: 'k',
          value: 'v',
        },
      },
      bearer,
    );
    expect(mlflow.status, mlflow.body).toBe(404);
  });
});
