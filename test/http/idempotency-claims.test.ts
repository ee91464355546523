/**
 * Idempotency-Key claimed in the acting transaction (src/http/idempotency-claims.ts): two
 * Fastify servers, each with its own Store on one database, run a use case that really writes an
 * audit entry. The audit log is the witness of how many times the action happened.
 */
import { beforeAll, expect, it } from 'vitest';
import { auditRecord } from '../../src/app/audit-record.js';
import type { Store } from '../../src/app/ports.js';
import { ClearanceError, type Model, type Principal } from '../../src/domain/index.js';
import { buildServer, type IdempotencyStore, sharedIdempotency } from '../../src/http/index.js';
import { fixedClock } from '../fakes/fixed-clock.js';
import { eachEngine } from '../store/engines.js';
import { stubUseCases, testIdentity } from './fixture.js';

const body = { name: 'credit-risk-pd', ownerTeam: 'risk-ml', policy: 'apiVersion: clearance/v1' };
const identity = testIdentity();
const ann = identity.bearer('ann', 'admin');

interface Behaviour {
  /** Awaited inside the acting transaction, after the audit entry: the action still running. */
  holdOpen?: Promise<void>;
  /** Refuse after the action committed (a second step of the use case failing). */
  failAfter?: boolean;
}

function server(store: Store, options: { behaviour?: Behaviour; losesResponses?: boolean } = {}) {
  const clock = fixedClock();
  const shared = sharedIdempotency({ store, clock });
  const idempotency: IdempotencyStore = options.losesResponses
    ? { ...shared, complete: () => Promise.reject(new Error('the server stopped here')) }
    : shared;
  const acting = idempotency.wrap(store);
  const app = buildServer({
    useCases: stubUseCases({
      registerModel: async (principal: Principal, input) => {
        await acting.transaction(async (tx) => {
          await tx.audit.append(
            auditRecord({
              actor: { id: principal.id, kind: 'user' },
              time: clock.now().toISOString(),
              action: 'model.registered',
              subject: { type: 'model', id: input.name },
            }),
          );
          await options.behaviour?.holdOpen;
        });
        if (options.behaviour?.failAfter) {
          throw new ClearanceError('precondition_failed', 'The second step refused.');
        }
        const model: Model = {
          name: input.name,
          ownerTeam: input.ownerTeam,
          riskTier: 'regulated',
          policyDigest: 'sha256:1',
          createdAt: clock.now().toISOString(),
          createdBy: principal.id,
        };
        return model;
      },
    }),
    directory: identity.directory,
    bodyLimitBytes: 1024,
    idempotency,
  });
  return app;
}

function post(app: ReturnType<typeof server>, key: string) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/models',
    headers: { authorization: ann, 'idempotency-key': key },
    payload: body,
  });
}

eachEngine('Idempotency-Key claimed with the action', (engine) => {
  let stores: [Store, Store];
  beforeAll(async () => {
    stores = [await engine.openStore(), await engine.openStore()];
  });
  const actions = () => stores[0].transaction((tx) => tx.audit.size());

  it('does not act again when the server stopped between the action and its recorded response', async () => {
    const crashing = server(stores[0], { losesResponses: true });
    const other = server(stores[1]);
    try {
      const before = await actions();
      const first = await post(crashing, 'lost-answer');
      expect(first.statusCode).toBe(201);
      const retry = await post(other, 'lost-answer');
      expect(retry.statusCode).toBe(409);
      expect(retry.json().detail).toContain('has acted or is acting');
      expect(await actions()).toBe(before + 1);
    } finally {
      await crashing.close();
      await other.close();
    }
  });

  it('releases the key when the request fails after acting, so a retry may act', async () => {
    const failing = server(stores[0], { behaviour: { failAfter: true } });
    const other = server(stores[1]);
    try {
      const before = await actions();
      expect((await post(failing, 'failed-later')).statusCode).toBe(412);
      const retry = await post(other, 'failed-later');
      expect(retry.statusCode).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      expect(await actions()).toBe(before + 2);
      const replay = await post(failing, 'failed-later');
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toBe(retry.body);
    } finally {
      await failing.close();
      await other.close();
    }
  });

  // SQLite allows one writer per file at a time, and its driver waits synchronously: two
  // connections in one process cannot hold overlapping write transactions. PostgreSQL can.
  it.runIf(engine.name === 'postgres')(
    'lets one of two simultaneous duplicates on two servers act; the other rolls back',
    async () => {
      let finish = () => {};
      const holdOpen = new Promise<void>((resolve) => {
        finish = resolve;
      });
      const slow = server(stores[0], { behaviour: { holdOpen } });
      const fast = server(stores[1]);
      try {
        const before = await actions();
        const first = post(slow, 'same-instant');
        await new Promise((resolve) => setTimeout(resolve, 100));
        // Arrives while the first holds its claim uncommitted: no record is visible yet, so it
        // acts too, and waits on the claim's row until the first commits.
        const second = post(fast, 'same-instant');
        await new Promise((resolve) => setTimeout(resolve, 100));
        finish();
        const [one, two] = await Promise.all([first, second]);
        expect(one.statusCode).toBe(201);
        expect([201, 409]).toContain(two.statusCode);
        if (two.statusCode === 201) expect(two.headers['idempotent-replayed']).toBe('true');
        expect(await actions()).toBe(before + 1);
      } finally {
        finish();
        await slow.close();
        await fast.close();
      }
    },
  );
});
