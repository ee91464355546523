import { afterEach, describe, expect, it } from 'vitest';
import { IdempotencyCache } from '../../src/app/index.js';
import type { Model, Principal } from '../../src/domain/index.js';
import { stubServer } from './fixture.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const body = { name: 'credit-risk-pd', ownerTeam: 'risk-ml', policy: 'apiVersion: clearance/v1' };

function countingServer() {
  const calls: string[] = [];
  const server = stubServer({
    registerModel: async (principal: Principal, input) => {
      calls.push(principal.id);
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
  });
  close = () => server.app.close();
  return { ...server, calls };
}

describe('Idempotency-Key', () => {
  it('replays the stored response and does not execute twice', async () => {
    const { app, identity, calls } = countingServer();
    const headers = { authorization: identity.bearer('ann', 'admin'), 'idempotency-key': 'k-1' };
    const first = await app.inject({
      method: 'POST',
      url: '/api/v1/models',
      headers,
      payload: body,
    });
    const second = await app.inject({
      method: 'POST',
      url: '/api/v1/models',
      headers,
      payload: body,
    });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.body).toBe(first.body);
    expect(second.headers.location).toBe(first.headers.location);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(calls).toEqual(['ann']);
  });

  it('executes again without a key, with a new key, or for another principal', async () => {
    const { app, identity, calls } = countingServer();
    const ann = identity.bearer('ann', 'admin');
    const bob = identity.bearer('bob', 'admin');
    const send = (authorization: string, key?: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/models',
        headers: { authorization, ...(key ? { 'idempotency-key': key } : {}) },
        payload: body,
      });
    await send(ann);
    await send(ann);
    await send(ann, 'a');
    await send(ann, 'b');
    await send(bob, 'a');
    expect(calls).toEqual(['ann', 'ann', 'ann', 'ann', 'bob']);
  });

  it('refuses the same key with a different body', async () => {
    const { app, identity, calls } = countingServer();
    const headers = { authorization: identity.bearer('ann', 'admin'), 'idempotency-key': 'k' };
    await app.inject({ method: 'POST', url: '/api/v1/models', headers, payload: body });
    const other = await app.inject({
      method: 'POST',
      url: '/api/v1/models',
      headers,
      payload: { ...body, ownerTeam: 'other' },
    });
    expect(other.statusCode).toBe(400);
    expect(other.json().code).toBe('invalid_input');
    expect(calls).toHaveLength(1);
  });

  it('does not store refusals, so a retry with the same key runs again', async () => {
    let attempts = 0;
    const server = stubServer({
      executeTransition: async () => {
        attempts += 1;
        throw new (await import('../../src/domain/index.js')).ClearanceError(
          'precondition_failed',
          'Approvals are missing.',
        );
      },
    });
    close = () => server.app.close();
    const headers = {
      authorization: server.identity.bearer('max', 'mlops'),
      'idempotency-key': 'exec-1',
    };
    const url = '/api/v1/requests/r1/execute';
    expect((await server.app.inject({ method: 'POST', url, headers })).statusCode).toBe(412);
    expect((await server.app.inject({ method: 'POST', url, headers })).statusCode).toBe(412);
    expect(attempts).toBe(2);
  });
});

describe('IdempotencyCache', () => {
  it('expires entries after the TTL and evicts the least recently used', () => {
    let now = 0;
    const cache = new IdempotencyCache({ ttlMs: 1000, maxEntries: 2, now: () => now });
    const response = { status: 201, contentType: 'application/json', body: '{}' };
    expect(cache.begin('a', 'f')).toEqual({ kind: 'new' });
    expect(cache.begin('a', 'f')).toEqual({ kind: 'in_flight' });
    cache.complete('a', response);
    expect(cache.begin('a', 'f')).toEqual({ kind: 'replay', response });
    expect(cache.begin('a', 'g')).toEqual({ kind: 'mismatch' });
    cache.begin('b', 'f');
    cache.begin('a', 'f');
    cache.begin('c', 'f');
    expect(cache.size).toBe(2);
    expect(cache.begin('b', 'f')).toEqual({ kind: 'new' });
    now = 5000;
    expect(cache.begin('a', 'f')).toEqual({ kind: 'new' });
  });
});
