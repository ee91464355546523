/**
 * An Idempotency-Key another request has already acted under is answered with the kept reply and
 * runs no gate (ADR 014): servers A and B share one database, each with its own gate result
 * cache; B's duplicate passes B's key check just before A's request acts (the race two servers
 * can lose), and A's request is cancelled before B goes on, so no other check refuses B first:
 * only the key check made before evaluating gates ahead stands between B and a gate run.
 */
import { afterEach, expect, it } from 'vitest';
import {
  type AppDeps,
  bindClaimingUseCases,
  bindUseCases,
  bootstrapAdmin,
  cancelRequest,
  createToken,
  createUser,
  GateResultCache,
  grantRole,
  type IdempotencyStore,
  sharedIdempotency,
} from '../../src/app/index.js';
import { principalCache } from '../../src/auth/index.js';
import { storeDirectory } from '../../src/compose.js';
import { buildServer } from '../../src/http/index.js';
import { churn, registerChurn } from '../app/churn-fixture.js';
import { forEachStore, people, person, type StoreHarness } from '../app/harness.js';

const policy = `apiVersion: clearance/v1
kind: Policy
metadata: { name: idempotent-gates, riskTier: medium }
roles: [mlops, tech_lead, admin]
transitions:
  - from: draft
    to: staging
    requestedBy: [mlops]
    gates:
      - { id: latency, type: metric, metric: latency_p95_ms, max: 120 }
    approvals:
      - { role: tech_lead }
`;
const model = churn;

async function setup(h: StoreHarness): Promise<string> {
  await bootstrapAdmin(h.deps, { userId: people.admin.id });
  await registerChurn(h.deps, policy);
  await createUser(h.deps, people.admin, { id: 'mo.mlops' });
  await grantRole(h.deps, people.admin, { userId: 'mo.mlops', role: 'mlops' });
  return `Bearer ${(await createToken(h.deps, people.admin, { userId: 'mo.mlops' })).token}`;
}

forEachStore('an Idempotency-Key already used runs no gate', (open) => {
  const closing: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
  });

  function server(h: StoreHarness, idempotency: IdempotencyStore, deps: AppDeps) {
    const app = buildServer({
      useCases: bindUseCases(deps),
      keyedUseCases: (scope) =>
        bindClaimingUseCases({ ...deps, store: idempotency.claiming(h.store, scope) }),
      directory: principalCache(storeDirectory(h.store)),
      bodyLimitBytes: 1024 * 1024,
      now: () => h.clock.now(),
      idempotency,
    });
    closing.push(() => app.close());
    return app;
  }

  it('answers the kept reply of the request that acted, with no gate run', async () => {
    const h = await open();
    const authorization = await setup(h);
    const runs = { a: 0, b: 0 };
    // Each server has its own gate result cache, as two processes do.
    const counting = (name: 'a' | 'b'): AppDeps => ({
      ...h.deps,
      gateResults: new GateResultCache(),
      gateRunner: {
        run: (input) => {
          runs[name] += 1;
          return h.deps.gateRunner.run(input);
        },
      },
    });
    const request = {
      method: 'POST' as const,
      url: '/api/v1/requests',
      headers: { authorization, 'idempotency-key': 'once' },
      payload: { model, version: '1', to: 'staging', reason: 'Ready' },
    };
    const a = server(h, sharedIdempotency({ store: h.store, clock: h.clock }), counting('a'));
    const shared = sharedIdempotency({ store: h.store, clock: h.clock });
    let first: Awaited<ReturnType<typeof a.inject>> | undefined;
    // B looks the key up, finds it free, and only then does A's request act and answer.
    const b = server(
      h,
      {
        ...shared,
        async begin(claim) {
          const lookup = await shared.begin(claim);
          first = await a.inject(request);
          // The request A opened is cancelled, so B's duplicate meets no open request.
          await cancelRequest(h.deps, person('mo.mlops', 'mlops'), {
            requestId: (first.json() as { request: { id: string } }).request.id,
            reason: 'Withdrawn',
          });
          return lookup;
        },
      },
      counting('b'),
    );
    const second = await b.inject(request);
    expect(first?.statusCode, first?.body).toBe(201);
    expect(runs.a).toBe(1);
    expect(second.statusCode, second.body).toBe(201);
    expect(second.body).toBe(first?.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(runs.b).toBe(0);
  });
});
