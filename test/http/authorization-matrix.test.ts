/**
 * Every route of the served OpenAPI document × every role (and no role, and no token), on the real
 * use cases over the in-memory store. The table below is the reviewable statement of who may do
 * what; a route missing from it fails the test, so a new route must be classified here.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootstrapAdmin,
  createToken,
  createUser,
  executeTransition,
  grantRole,
  requestTransition,
  signAuditCheckpoint,
} from '../../src/app/index.js';
import { loadAuditSigner } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import {
  actions,
  addVersion,
  examplesDir,
  type Harness,
  harness,
  people,
  seedProduction,
  setupModel,
  signOffEmergency,
  toStaging,
} from '../app/harness.js';
import { startRecommenderCanary } from '../app/rollout-fixture.js';
import { serveHarness } from './serve-harness.js';

const roles = [
  'admin',
  'auditor',
  'model_owner',
  'tech_lead',
  'product_owner',
  'risk_officer',
  'compliance_officer',
  'senior_clinician',
  'mlops',
  'break_glass',
] as const;
type Caller = (typeof roles)[number] | 'no_role';
const callers: readonly Caller[] = [...roles, 'no_role'];

/** `public`: no token needed. `authenticated`: any token, even one with no role. */
type Rule = 'public' | 'authenticated' | 'any_role' | readonly Caller[];

const anyRole: Rule = 'any_role';
const model = 'home-feed';
const promoters = ['mlops', 'model_owner', 'admin'] as const;

/** Who may call each route without a 401/403; everyone else gets 403 (audited). */
const table: Record<string, Rule> = {
  'get /healthz': 'public',
  // How to sign in: what a sign-in page shows before anyone has a token.
  'get /api/v1/sign-in': 'public',
  'get /metrics': anyRole,
  'post /api/v1/policies': ['admin'],
  // Policy owners and those who review policy changes.
  'post /api/v1/policies/backtest': [
    'admin',
    'mlops',
    'risk_officer',
    'compliance_officer',
    'auditor',
  ],
  'post /api/v1/models': ['admin'],
  'get /api/v1/models': anyRole,
  'get /api/v1/models/{name}': anyRole,
  'post /api/v1/models/{name}/versions': ['admin', 'model_owner', 'mlops'],
  'get /api/v1/models/{name}/versions': anyRole,
  'get /api/v1/models/{name}/versions/{version}': anyRole,
  // Evidence (list, files, pack) is read like the model's decisions: global roles here.
  'get /api/v1/models/{name}/versions/{version}/evidence': anyRole,
  'get /api/v1/models/{name}/versions/{version}/evidence/content': anyRole,
  'post /api/v1/models/{name}/versions/{version}/evidence': ['admin', 'model_owner', 'mlops'],
  'get /api/v1/models/{name}/serving': anyRole,
  // Whoever may read the model's decisions (global roles here, auditor and admin included).
  'get /api/v1/models/{name}/versions/{version}/evidence-pack': anyRole,
  // draft → staging is requested by a model owner (policy `requestedBy`; admin is not implied).
  'post /api/v1/requests': ['model_owner'],
  'get /api/v1/requests': anyRole,
  'get /api/v1/requests/{id}': anyRole,
  // Signing in the product_owner role needs that role.
  'post /api/v1/requests/{id}/approvals': ['product_owner'],
  // The requester (ci.pipeline, not a matrix user) or an admin.
  'post /api/v1/requests/{id}/cancel': ['admin'],
  'post /api/v1/requests/{id}/execute': promoters,
  // The post-incident review of an executed emergency asks for a product_owner (recommender policy).
  'post /api/v1/requests/{id}/reviews': ['product_owner'],
  // Reviews of the models the caller holds a role on.
  'get /api/v1/reviews': anyRole,
  'post /api/v1/models/{name}/versions/{version}/import-production': ['admin'],
  // Promoters, break-glass (the policy's emergency role) and admins.
  'post /api/v1/models/{name}/rollback': [...promoters, 'break_glass'],
  'get /api/v1/inbox': 'authenticated',
  // Any role reads the board (its rows: the models the caller holds a role on).
  'get /api/v1/board': anyRole,
  'get /api/v1/decisions/{id}': anyRole,
  'post /api/v1/decisions/{id}/replay': anyRole,
  // Checkpoints and consistency proofs are hashes and signatures, meant to be published.
  'get /api/v1/audit/checkpoints/latest': 'authenticated',
  'get /api/v1/audit/checkpoints': 'authenticated',
  'post /api/v1/audit/checkpoints': ['admin'],
  'get /api/v1/audit/entries': ['admin', 'auditor'],
  'get /api/v1/audit/proofs/inclusion/{seq}': ['admin', 'auditor'],
  'get /api/v1/audit/proofs/consistency': 'authenticated',
  // The check reads every row and names them: auditors and admins only.
  'get /api/v1/audit/state': ['admin', 'auditor'],
  'get /api/v1/models/{name}/history': anyRole,
  // The policy view: like the model's requests, for anyone holding a role on the model.
  'get /api/v1/models/{name}/policy': anyRole,
  'post /api/v1/models/{name}/versions/{version}/dry-run': anyRole,
  'post /api/v1/users': ['admin'],
  'get /api/v1/users': ['admin', 'auditor'],
  'post /api/v1/users/{id}/roles': ['admin'],
  'delete /api/v1/users/{id}/roles': ['admin'],
  'post /api/v1/users/{id}/disable': ['admin'],
  'post /api/v1/users/{id}/enable': ['admin'],
  // Naming another user's id: admins only (anyone may create their own token).
  'post /api/v1/tokens': ['admin'],
  'get /api/v1/tokens': ['admin', 'auditor'],
  'delete /api/v1/tokens/{id}': ['admin'],
  'get /api/v1/me': 'authenticated',
  // Another user's notification address: admins (a user may set their own).
  'put /api/v1/users/{id}/email': ['admin'],
  // Webhook subscriptions reach outside the service and hold secrets: global admins; the
  // configuration (never the secrets) and the delivery log are readable by auditors too.
  'post /api/v1/webhooks': ['admin'],
  'get /api/v1/webhooks': ['admin', 'auditor'],
  'get /api/v1/webhooks/{id}': ['admin', 'auditor'],
  'patch /api/v1/webhooks/{id}': ['admin'],
  'delete /api/v1/webhooks/{id}': ['admin'],
  'post /api/v1/webhooks/{id}/rotate-secret': ['admin'],
  'post /api/v1/webhooks/{id}/disable': ['admin'],
  'get /api/v1/webhooks/{id}/deliveries': ['admin', 'auditor'],
  'post /api/v1/webhooks/{id}/deliveries/{eventId}/redeliver': ['admin'],
  'get /api/v1/rollouts': anyRole,
  'get /api/v1/rollouts/{id}': anyRole,
  'get /api/v1/rollouts/{id}/timeline': anyRole,
  // KPIs come from whoever may request the promotion (recommender: mlops, model_owner), or admin.
  'post /api/v1/rollouts/{id}/observations': promoters,
  // Stopping: requesters, approvers, break-glass, admin. Going on: approvers, admin.
  'post /api/v1/rollouts/{id}/pause': [...promoters, 'product_owner', 'break_glass'],
  'post /api/v1/rollouts/{id}/resume': ['model_owner', 'product_owner', 'admin'],
  'post /api/v1/rollouts/{id}/abort': [...promoters, 'product_owner', 'break_glass'],
  'post /api/v1/rollouts/{id}/promote': ['model_owner', 'product_owner', 'admin'],
};

function mayCall(rule: Rule, caller: Caller): boolean {
  if (rule === 'public' || rule === 'authenticated') return true;
  if (rule === 'any_role') return caller !== 'no_role';
  return rule.includes(caller);
}

interface Call {
  url: string;
  payload?: string | object;
  contentType?: string;
}

let h: Harness;
let app: FastifyInstance;
const bearer = new Map<Caller, string>();
/** Ids the calls need: each mutating route gets its own request so one call cannot spoil another. */
const ids = {
  get: '',
  approve: '',
  cancel: '',
  execute: '',
  review: '',
  decision: '',
  victimToken: '',
  rollout: '',
};
const recommenderPolicy = readFileSync(join(examplesDir, 'recommender', 'policy.yaml'), 'utf8');

/** The concrete URL and a valid body for a route, so validation never answers before authorisation. */
function callFor(route: string): Call {
  const [, path = ''] = route.split(' ');
  const id = path.startsWith('/api/v1/rollouts')
    ? ids.rollout
    : path.startsWith('/api/v1/decisions')
      ? ids.decision
      : path.startsWith('/api/v1/tokens')
        ? ids.victimToken
        : path.startsWith('/api/v1/users')
          ? 'victim'
          : path.endsWith('/approvals')
            ? ids.approve
            : path.endsWith('/cancel')
              ? ids.cancel
              : path.endsWith('/execute')
                ? ids.execute
                : path.endsWith('/reviews')
                  ? ids.review
                  : ids.get;
  const url = path
    .replace('{name}', model)
    .replace('{version}', path.endsWith('/evidence') ? 'c4' : 'c1')
    .replace('{id}', id)
    .replace('{seq}', '0');
  const reason = { reason: 'Matrix check', ticket: 'CHG-1' };
  const bodies: Record<string, Call> = {
    'post /api/v1/policies': { url, payload: { text: recommenderPolicy } },
    'post /api/v1/policies/backtest': { url, payload: { policy: recommenderPolicy, model } },
    'post /api/v1/models': {
      url,
      payload: { name: 'other-model', ownerTeam: 'ml', policy: recommenderPolicy },
    },
    'post /api/v1/models/{name}/versions': {
      url,
      payload: {
        version: 'n1',
        artifactUri: 's3://m/n1',
        artifactDigest: `sha256:${'a'.repeat(64)}`,
      },
    },
    'get /api/v1/models/{name}/versions/{version}/evidence/content': {
      url: `${url}?path=metrics.json`,
    },
    'post /api/v1/models/{name}/versions/{version}/evidence': {
      url: `${url}?path=notes.md`,
      payload: '# Notes\n',
      contentType: 'application/octet-stream',
    },
    'post /api/v1/requests': {
      url,
      payload: { model, version: 'c4', to: 'staging', reason: 'Ready for validation' },
    },
    'post /api/v1/requests/{id}/approvals': {
      url,
      payload: { decision: 'approve', role: 'product_owner', comment: 'ok', riskClass: 'low' },
    },
    'post /api/v1/requests/{id}/reviews': {
      url,
      payload: { decision: 'approve', role: 'product_owner', comment: 'ok', ticket: 'CHG-1' },
    },
    'post /api/v1/requests/{id}/cancel': { url, payload: reason },
    'post /api/v1/models/{name}/versions/{version}/import-production': { url, payload: reason },
    'post /api/v1/models/{name}/rollback': { url, payload: reason },
    'post /api/v1/models/{name}/versions/{version}/dry-run': { url, payload: { to: 'production' } },
    'get /api/v1/audit/proofs/consistency': { url: `${url}?from=1` },
    'get /api/v1/requests': { url: `${url}?model=${model}&status=pending` },
    'post /api/v1/users': { url, payload: { id: 'new.user' } },
    'post /api/v1/users/{id}/roles': { url, payload: { role: 'tech_lead' } },
    'delete /api/v1/users/{id}/roles': { url, payload: { role: 'tech_lead' } },
    'post /api/v1/tokens': { url, payload: { userId: 'victim' } },
    'get /api/v1/tokens': { url: `${url}?userId=victim` },
    'put /api/v1/users/{id}/email': { url, payload: { email: 'victim@example.com' } },
    'post /api/v1/webhooks': { url, payload: { url: 'https://hooks.example.com/clearance' } },
    'patch /api/v1/webhooks/{id}': { url, payload: { description: 'Matrix check' } },
    'post /api/v1/webhooks/{id}/deliveries/{eventId}/redeliver': {
      url: url.replace('{eventId}', 'evt_none'),
    },
    'post /api/v1/rollouts/{id}/observations': {
      url,
      payload: {
        batchId: 'matrix-1',
        points: [
          {
            series: 'ctr',
            arm: 'candidate',
            at: h.clock.now().toISOString(),
            successes: 1,
            trials: 2,
          },
        ],
      },
    },
    'post /api/v1/rollouts/{id}/abort': { url, payload: reason },
  };
  return bodies[route] ?? { url };
}

async function send(route: string, authorization: string | undefined) {
  const [method = 'GET'] = route.split(' ');
  const call = callFor(route);
  const response = await app.inject({
    method: method.toUpperCase() as 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'PUT',
    url: call.url,
    headers: {
      ...(authorization ? { authorization } : {}),
      ...(call.contentType ? { 'content-type': call.contentType } : {}),
    },
    ...(call.payload === undefined ? {} : { payload: call.payload }),
  });
  return { status: response.statusCode, body: response.body };
}

async function get(url: string, authorization: string | undefined) {
  const response = await app.inject({
    method: 'GET',
    url,
    headers: authorization ? { authorization } : {},
  });
  return { status: response.statusCode, body: response.body };
}

async function seedRegistry(): Promise<void> {
  await setupModel(h, 'recommender', model, 'medium');
  await addVersion(h, { model, version: 'b1', dir: 'recommender/baseline' });
  await seedProduction(h, model, 'b1');
  const requests: string[] = [];
  for (const version of ['c1', 'c2', 'c3', 'c5']) {
    await addVersion(h, { model, version, dir: 'recommender/candidates/passing' });
    await toStaging(h, model, version);
    const { request, decision } = await requestTransition(h.deps, people.ci, {
      model,
      version,
      to: 'production',
      reason: 'CTR lift',
    });
    requests.push(request.id);
    ids.decision = decision.id;
  }
  [ids.get = '', ids.approve = '', ids.cancel = '', ids.execute = ''] = requests;
  // An emergency executed under bypass, owing its post-incident review.
  await addVersion(h, { model, version: 'e1', dir: 'recommender/candidates/passing' });
  await toStaging(h, model, 'e1');
  const emergency = await requestTransition(h.deps, people.breakGlass, {
    model,
    version: 'e1',
    to: 'production',
    changeType: 'emergency',
    reason: 'Feed outage hotfix',
    ticket: 'CHG-2',
  });
  // The recommender names no emergency sign-off: the default, one model_owner or product_owner.
  await signOffEmergency(h, emergency.request.id, { by: people.owner, role: 'model_owner' });
  await executeTransition(h.deps, people.breakGlass, { requestId: emergency.request.id });
  ids.review = emergency.request.id;
  await addVersion(h, { model, version: 'c4', dir: 'recommender/candidates/passing' });
  ids.rollout = (await startRecommenderCanary(h, { model: 'home-feed-canary' })).rolloutId;
}

async function seedCallers(): Promise<void> {
  const { token } = await bootstrapAdmin(h.deps, { userId: people.admin.id });
  bearer.set('admin', `Bearer ${token.token}`);
  for (const caller of callers.filter((c) => c !== 'admin')) {
    const userId = `u.${caller}`;
    await createUser(h.deps, people.admin, { id: userId });
    if (caller !== 'no_role') await grantRole(h.deps, people.admin, { userId, role: caller });
    bearer.set(caller, `Bearer ${(await createToken(h.deps, people.admin, { userId })).token}`);
  }
  await createUser(h.deps, people.admin, { id: 'victim' });
  ids.victimToken = (await createToken(h.deps, people.admin, { userId: 'victim' })).id;
}

beforeAll(async () => {
  h = harness();
  const dataDir = mkdtempSync(join(tmpdir(), 'clearance-matrix-'));
  const signer = loadAuditSigner(
    loadConfig({ flags: { dataDir, database: `sqlite:${join(dataDir, 'unused.db')}` }, env: {} }),
  );
  app = serveHarness(h, { auditSigner: signer });
  await seedRegistry();
  await seedCallers();
  await signAuditCheckpoint(h.deps, signer, { principal: people.admin });
}, 60_000);
afterAll(() => app?.close());

async function servedRoutes(): Promise<string[]> {
  const response = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  expect(response.statusCode).toBe(200);
  const paths = response.json().paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m} ${path}`),
  );
}

describe('authorisation matrix', () => {
  it('classifies every route of the served OpenAPI document, and nothing else', async () => {
    expect((await servedRoutes()).sort()).toEqual(Object.keys(table).sort());
  });

  it('serves the OpenAPI document and the health check without a token', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).statusCode).toBe(200);
    expect((await send('get /healthz', undefined)).status).toBe(200);
    expect((await send('get /api/v1/sign-in', undefined)).status).toBe(200);
  });

  it('answers 401 to every other route without a token', async () => {
    for (const route of Object.keys(table).filter((r) => table[r] !== 'public')) {
      const { status } = await send(route, undefined);
      expect(status, route).toBe(401);
    }
  });

  // Refused callers first, so an allowed call's state change cannot pre-empt a refusal.
  for (const [route, rule] of Object.entries(table)) {
    if (rule === 'public') continue;
    it(`${route}: ${typeof rule === 'string' ? rule : rule.join(', ')}`, async () => {
      const refused = callers.filter((c) => !mayCall(rule, c));
      for (const caller of refused) {
        const before = actions(h).length;
        const { status, body } = await send(route, bearer.get(caller));
        expect(status, `${caller} on ${route}: ${body}`).toBe(403);
        expect(JSON.parse(body).code).toBe('forbidden');
        expect(actions(h).slice(before), `${caller} on ${route}`).toContain('access.denied');
      }
      for (const caller of callers.filter((c) => mayCall(rule, c))) {
        const { status, body } = await send(route, bearer.get(caller));
        expect([401, 403], `${caller} on ${route}: ${body}`).not.toContain(status);
        expect(status, `${caller} on ${route}: ${body}`).toBeLessThan(500);
      }
    });
  }
});

describe('an admin bound to one model', () => {
  let scoped = '';
  beforeAll(async () => {
    await createUser(h.deps, people.admin, { id: 'u.scoped_admin' });
    await grantRole(h.deps, people.admin, { userId: 'u.scoped_admin', role: 'admin', model });
    scoped = `Bearer ${(await createToken(h.deps, people.admin, { userId: 'u.scoped_admin' })).token}`;
  });

  // The log covers every model: what acts on it or reads its entries needs a global role.
  for (const route of [
    'post /api/v1/audit/checkpoints',
    'get /api/v1/audit/entries',
    'get /api/v1/audit/proofs/inclusion/{seq}',
    'post /api/v1/users',
    'get /api/v1/users',
    'post /api/v1/users/{id}/disable',
  ]) {
    it(`is refused ${route}`, async () => {
      const before = actions(h).length;
      const { status, body } = await send(route, scoped);
      expect(status, body).toBe(403);
      expect(JSON.parse(body).code).toBe('forbidden');
      expect(actions(h).slice(before)).toContain('access.denied');
    });
  }

  it('may still act on its own model', async () => {
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1/models/${model}/versions`,
      headers: { authorization: scoped },
      payload: {
        version: 'scoped1',
        artifactUri: 's3://m/s1',
        artifactDigest: `sha256:${'b'.repeat(64)}`,
      },
    });
    expect(response.statusCode, response.body).toBe(201);
  });
});

/**
 * A caller holding every role, each bound to a model other than the one the matrix reads. Each read
 * route is classified: `refused` (403, audited), `filtered` (200 without a trace of the model),
 * `registry` (the registry's shape — models, versions, serving — is for any role, by design), or
 * `unscoped` (names no model: hashes and signatures, the caller itself). A new read route fails
 * the first test until it is classified here.
 */
describe('a caller whose roles are all bound to another model', () => {
  type Scope = 'refused' | 'filtered' | 'registry' | 'unscoped';
  const reads: Record<string, Scope> = {
    'get /healthz': 'unscoped',
    'get /api/v1/sign-in': 'unscoped',
    'get /api/v1/me': 'unscoped',
    'get /api/v1/audit/checkpoints/latest': 'unscoped',
    'get /api/v1/audit/checkpoints': 'unscoped',
    'get /api/v1/audit/proofs/consistency': 'unscoped',
    // Counts across the registry, no model named.
    'get /metrics': 'registry',
    'get /api/v1/models': 'registry',
    'get /api/v1/models/{name}': 'registry',
    'get /api/v1/models/{name}/versions': 'registry',
    'get /api/v1/models/{name}/versions/{version}': 'registry',
    'get /api/v1/models/{name}/serving': 'registry',
    'get /api/v1/models/{name}/versions/{version}/evidence': 'refused',
    'get /api/v1/models/{name}/versions/{version}/evidence/content': 'refused',
    'get /api/v1/models/{name}/versions/{version}/evidence-pack': 'refused',
    'get /api/v1/models/{name}/history': 'refused',
    'get /api/v1/models/{name}/policy': 'refused',
    'post /api/v1/models/{name}/versions/{version}/dry-run': 'refused',
    'post /api/v1/policies/backtest': 'refused',
    'get /api/v1/requests': 'refused',
    'get /api/v1/requests/{id}': 'refused',
    'get /api/v1/decisions/{id}': 'refused',
    'post /api/v1/decisions/{id}/replay': 'refused',
    'get /api/v1/rollouts/{id}': 'refused',
    'get /api/v1/rollouts/{id}/timeline': 'refused',
    'get /api/v1/audit/entries': 'refused',
    'get /api/v1/audit/proofs/inclusion/{seq}': 'refused',
    'get /api/v1/audit/state': 'refused',
    'get /api/v1/users': 'refused',
    'get /api/v1/tokens': 'refused',
    'get /api/v1/webhooks': 'refused',
    'get /api/v1/webhooks/{id}': 'refused',
    'get /api/v1/webhooks/{id}/deliveries': 'refused',
    'get /api/v1/rollouts': 'filtered',
    'get /api/v1/reviews': 'filtered',
    'get /api/v1/board': 'filtered',
    'get /api/v1/inbox': 'filtered',
  };
  /** For each filtered route, a global caller who does see the model there, and the query. */
  const witnesses: Record<string, { caller: Caller; query?: string }> = {
    'get /api/v1/rollouts': { caller: 'auditor' },
    // The review is recorded by the matrix above: no longer due, still listed under `all`.
    'get /api/v1/reviews': { caller: 'auditor', query: '?status=all' },
    'get /api/v1/board': { caller: 'auditor' },
    // The pending requests a product owner may still sign.
    'get /api/v1/inbox': { caller: 'product_owner' },
  };
  const readOnlyPosts = Object.keys(reads).filter((r) => r.startsWith('post '));
  const elsewhere = 'elsewhere-model';
  let outsider = '';

  beforeAll(async () => {
    await setupModel(h, 'recommender', elsewhere, 'medium');
    await createUser(h.deps, people.admin, { id: 'u.elsewhere' });
    for (const role of roles)
      await grantRole(h.deps, people.admin, { userId: 'u.elsewhere', role, model: elsewhere });
    outsider = `Bearer ${(await createToken(h.deps, people.admin, { userId: 'u.elsewhere' })).token}`;
  });

  it('classifies every read route of the served OpenAPI document', async () => {
    const served = (await servedRoutes()).filter(
      (r) => r.startsWith('get ') || readOnlyPosts.includes(r),
    );
    expect(served.sort()).toEqual(Object.keys(reads).sort());
  });

  for (const [route, scope] of Object.entries(reads)) {
    it(`${route}: ${scope}`, async () => {
      const before = actions(h).length;
      const witness = witnesses[route];
      const { status, body } = witness?.query
        ? await get(`${callFor(route).url}${witness.query}`, outsider)
        : await send(route, outsider);
      if (scope === 'refused') {
        expect(status, body).toBe(403);
        expect(JSON.parse(body).code).toBe('forbidden');
        expect(actions(h).slice(before)).toContain('access.denied');
        return;
      }
      expect(status, body).toBe(200);
      if (scope !== 'filtered') return;
      // `home-feed` also names the canary's model, home-feed-canary; the witness sees it.
      expect(body).not.toContain(model);
      if (!witness) throw new Error(`No witness for ${route}`);
      const seen = witness.query
        ? await get(`${callFor(route).url}${witness.query}`, bearer.get(witness.caller))
        : await send(route, bearer.get(witness.caller));
      expect(seen.body).toContain(model);
    });
  }
});
