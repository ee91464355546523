/**
 * Idempotency-Key claimed in the acting transaction (src/http/idempotency-claims.ts): two
 * Fastify servers, each with its own Store on one database, run a use case that really writes an
 * audit entry. The audit log is the witness of how many times the action happened.
 */
import { beforeAll, expect, it } from 'vitest';
import { type IdempotencyStore, sharedIdempotency, type UseCases } from '../../src/app/index.js';
import { auditRecord } from '../../src/app/shared/audit-record.js';
import type { Store } from '../../src/app/shared/ports.js';
import { ClearanceError, type Model, type Principal } from '../../src/domain/index.js';
import { buildServer } from '../../src/http/index.js';
import { fixedClock } from '../fakes/fixed-clock.js';
import { eachEngine } from '../store/engines.js';
import { stubUseCases, testIdentity } from './fixture.js';

const body = { name: 'credit-risk-pd', ownerTeam: 'risk-ml', policy: 'apiVersion: clearance/v1' };
const identity = testIdentity();
const ann = identity.bearer('ann', 'admin');

interface Behaviour {
  /** Awaited inside the acting transaction, after the audit entry: the action still running. */
  holdOpen?: Promise<void>;
  /** Called when the acting transaction reaches `holdOpen`: its claim is written, uncommitted. */
  onHold?: () => void;
  /** Refuse after the action committed (a second step of the use case failing). */
  failAfter?: boolean;
  /** Write the entry with a version, in one call (`versions.insertLogged`), as version creates do. */
  logsWithVersion?: boolean;
}

function server(store: Store, options: { behaviour?: Behaviour; losesResponses?: boolean } = {}) {
  const clock = fixedClock();
  const shared = sharedIdempotency({ store, clock });
  const idempotency: IdempotencyStore = options.losesResponses
    ? { ...shared, complete: () => Promise.reject(new Error('the server stopped here')) }
    : shared;
  // The use case as the routes run it: over the store, or over a keyed request's claiming store.
  const on = (acting: Store): Partial<UseCases> => ({
    registerModel: async (principal: Principal, input) => {
      await acting.transaction(async (tx) => {
        // Like the real use cases: state first (a unique model name), then the audit entry.
        const digest = `sha256:${'0'.repeat(64)}`;
        await tx.policies.insert({
          digest,
          name: 'claims',
          text: 'apiVersion: clearance/v1',
          registeredAt: clock.now().toISOString(),
          registeredBy: principal.id,
        });
        await tx.models.insert({
          name: input.name,
          ownerTeam: input.ownerTeam,
          riskTier: 'regulated',
          policyDigest: digest,
          createdAt: clock.now().toISOString(),
          createdBy: principal.id,
        });
        const entry = auditRecord({
          actor: { id: principal.id, kind: 'user' },
          time: clock.now().toISOString(),
          action: 'model.registered',
          subject: { type: 'model', id: input.name },
        });
        if (options.behaviour?.logsWithVersion) {
          const since = clock.now().toISOString();
          await tx.versions.insertLogged(
            {
              model: input.name,
              version: 'v1',
              artifactUri: 's3://models/v1',
              artifactDigest: digest,
              lineage: {},
              createdAt: since,
              createdBy: principal.id,
            },
            { model: input.name, version: 'v1', state: 'draft', since },
            entry,
          );
        } else await tx.audit.append(entry);
        options.behaviour?.onHold?.();
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
  });
  const app = buildServer({
    useCases: stubUseCases(on(store)),
    keyedUseCases: (scope) => stubUseCases(on(idempotency.claiming(store, scope))),
    directory: identity.directory,
    bodyLimitBytes: 1024,
    idempotency,
  });
  return app;
}

/** Each key registers its own model, so tests on one database do not collide. */
function post(app: ReturnType<typeof server>, key: string) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/models',
    headers: { authorization: ann, 'idempotency-key': key },
    payload: { ...body, name: `model-${key}` },
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

  it('claims the key with an entry written together with a version', async () => {
    const crashing = server(stores[0], {
      losesResponses: true,
      behaviour: { logsWithVersion: true },
    });
    const other = server(stores[1], { behaviour: { logsWithVersion: true } });
    try {
      const before = await actions();
      const first = await post(crashing, 'lost-version-answer');
      expect(first.statusCode).toBe(201);
      const retry = await post(other, 'lost-version-answer');
      expect(retry.statusCode).toBe(409);
      expect(retry.json().detail).toContain('has acted or is acting');
      expect(await actions()).toBe(before + 1);
    } finally {
      await crashing.close();
      await other.close();
    }
  });

  it('replays the answer of a request that acted and then failed, instead of acting again', async () => {
    const failing = server(stores[0], { behaviour: { failAfter: true } });
    const other = server(stores[1]);
    try {
      const before = await actions();
      const first = await post(failing, 'failed-later');
      expect(first.statusCode).toBe(412);
      const retry = await post(other, 'failed-later');
      expect(retry.statusCode).toBe(412);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toBe(first.body);
      expect(await actions()).toBe(before + 1);
    } finally {
      await failing.close();
      await other.close();
    }
  });

  it('lets a request that was refused without acting be retried with the same key', async () => {
    const app = server(stores[0]);
    try {
      const before = await actions();
      await stores[0].transaction(async (tx) => {
        const digest = `sha256:${'1'.repeat(64)}`;
        await tx.policies.insert({
          digest,
          name: 'taken',
          text: 'apiVersion: clearance/v1',
          registeredAt: '2026-03-01T09:00:00.000Z',
          registeredBy: 'ann',
        });
        await tx.models.insert({
          name: 'model-refused-first',
          ownerTeam: 'other',
          riskTier: 'regulated',
          policyDigest: digest,
          createdAt: '2026-03-01T09:00:00.000Z',
          createdBy: 'ann',
        });
      });
      const refused = await post(app, 'refused-first');
      expect(refused.statusCode).toBe(409);
      expect(await actions()).toBe(before);
      // Nothing acted, so the key is free: the same request is refused afresh, not replayed.
      const again = await post(app, 'refused-first');
      expect(again.statusCode).toBe(409);
      expect(again.headers['idempotent-replayed']).toBeUndefined();
    } finally {
      await app.close();
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
      let holding = () => {};
      const held = new Promise<void>((resolve) => {
        holding = resolve;
      });
      const slow = server(stores[0], { behaviour: { holdOpen, onHold: () => holding() } });
      const fast = server(stores[1]);
      try {
        const before = await actions();
        const first = post(slow, 'same-instant');
        // Not a sleep: on a loaded machine the first request may not have begun after any fixed
        // wait, and the second would then act first (a different, also correct, ordering).
        await held;
        // Arrives while the first holds its claim uncommitted: no record is visible yet, so it
        // acts too, and waits on the claim's row until the first commits.
        const second = post(fast, 'same-instant');
        await new Promise((resolve) => setTimeout(resolve, 100));
        finish();
        const [one, two] = await Promise.all([first, second]);
        expect(one.statusCode).toBe(201);
        expect([201, 409]).toContain(two.statusCode);
        if (two.statusCode === 201) expect(two.headers['idempotent-replayed']).toBe('true');
        // Never the raw conflict of the model it could not insert: the first request's answer.
        else expect(two.json().detail).toContain('has acted or is acting');
        expect(await actions()).toBe(before + 1);
      } finally {
        finish();
        await slow.close();
        await fast.close();
      }
    },
  );
});
