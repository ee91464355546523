/**
 * Idempotency-Key across servers: two Fastify servers on one database, each with its own Store
 * (its own connections, as two processes would have), share the recorded responses. Runs on
 * SQLite and PostgreSQL.
 */
import { beforeAll, beforeEach, expect, it } from 'vitest';
import { sharedIdempotency } from '../../src/app/index.js';
import type { Store } from '../../src/app/shared/ports.js';
import type { Model, Principal } from '../../src/domain/index.js';
import { buildServer } from '../../src/http/index.js';
import { type FixedClock, fixedClock } from '../fakes/fixed-clock.js';
import { eachEngine } from '../store/engines.js';
import { stubUseCases, testIdentity } from './fixture.js';

const body = { name: 'credit-risk-pd', ownerTeam: 'risk-ml', policy: 'apiVersion: clearance/v1' };
const identity = testIdentity();
const ann = identity.bearer('ann', 'admin');

let clock: FixedClock;
let calls: string[];
/** When set, registerModel waits for it: a request still running. */
let running: Promise<void> | undefined;
/** Called as registerModel begins: the request has claimed its key and is acting. */
let acting: () => void;

beforeEach(() => {
  clock = fixedClock();
  calls = [];
  running = undefined;
  acting = () => {};
});

function server(store: Store) {
  return buildServer({
    useCases: stubUseCases({
      registerModel: async (principal: Principal, input) => {
        calls.push(principal.id);
        acting();
        await running;
        const model: Model = {
          name: input.name,
          ownerTeam: input.ownerTeam,
          riskTier: 'regulated',
          policyDigest: `sha256:${calls.length}`,
          createdAt: '2026-03-01T09:00:00.000Z',
          createdBy: principal.id,
        };
        return model;
      },
    }),
    directory: identity.directory,
    bodyLimitBytes: 1024,
    idempotency: sharedIdempotency({ store, clock }),
  });
}

function post(app: ReturnType<typeof server>, key: string, payload: object = body) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/models',
    headers: { authorization: ann, 'idempotency-key': key },
    payload,
  });
}

eachEngine('Idempotency-Key shared through the store', (engine) => {
  let stores: Store[] = [];
  beforeAll(async () => {
    stores = [await engine.openStore(), await engine.openStore()];
  });

  it('replays on a second server the response of the first and does not act twice', async () => {
    const [one, two] = stores.map(server) as [ReturnType<typeof server>, ReturnType<typeof server>];
    try {
      const first = await post(one, 'k-1');
      const retry = await post(two, 'k-1');
      expect(first.statusCode).toBe(201);
      expect(retry.statusCode).toBe(201);
      expect(retry.body).toBe(first.body);
      expect(retry.headers.location).toBe(first.headers.location);
      expect(retry.headers['content-type']).toBe(first.headers['content-type']);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(calls).toEqual(['ann']);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('refuses the same key with a different body on another server', async () => {
    const [one, two] = stores.map(server) as [ReturnType<typeof server>, ReturnType<typeof server>];
    try {
      await post(one, 'k-2');
      const other = await post(two, 'k-2', { ...body, ownerTeam: 'other' });
      expect(other.statusCode).toBe(400);
      expect(other.json().code).toBe('invalid_input');
      expect(calls).toHaveLength(1);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('acts again once the record is older than 24 hours, and records the new response', async () => {
    const [one, two] = stores.map(server) as [ReturnType<typeof server>, ReturnType<typeof server>];
    try {
      await post(one, 'k-3');
      clock.advance(24 * 60 * 60 * 1000 + 1);
      const late = await post(two, 'k-3');
      expect(late.statusCode).toBe(201);
      expect(late.headers['idempotent-replayed']).toBeUndefined();
      const replay = await post(one, 'k-3');
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toBe(late.body);
      expect(calls).toEqual(['ann', 'ann']);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('refuses with 409 a duplicate that arrives while the first request runs', async () => {
    const app = server(stores[0] as Store);
    let finish = () => {};
    running = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const firstActing = new Promise<void>((resolve) => {
      acting = resolve;
    });
    try {
      const first = post(app, 'k-4');
      // Not a sleep: on a loaded machine the first may not have claimed its key after any fixed
      // wait, and the duplicate would then act itself and wait on `running` for ever.
      await firstActing;
      const duplicate = await post(app, 'k-4');
      expect(duplicate.statusCode).toBe(409);
      finish();
      expect((await first).statusCode).toBe(201);
      expect(calls).toEqual(['ann']);
    } finally {
      finish();
      await app.close();
    }
  });
});
