import { expect, it } from 'vitest';
import type { IdempotencyRecord, Store } from '../../src/app/shared/ports.js';
import type { ClearanceError } from '../../src/domain/index.js';
import { at, unique } from './fixtures.js';
import { errorOf } from './store-contract.js';

function record(overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return {
    key: unique('key'),
    principalId: unique('user'),
    requestHash: 'ab'.repeat(32),
    createdAt: at,
    response: {
      status: 201,
      contentType: 'application/json; charset=utf-8',
      body: '{"name":"credit-risk-pd","note":"ünïcode ✓"}',
      location: '/api/v1/models/credit-risk-pd',
    },
    ...overrides,
  };
}

export function idempotencyContract(store: () => Store): void {
  it('stores an idempotency record and reads it back by principal and key', async () => {
    const full = record();
    const bare = record({ response: { status: 200, contentType: 'text/plain', body: '' } });
    await store().transaction(async (tx) => {
      await tx.idempotency.put(full);
      await tx.idempotency.put(bare);
    });
    const read = (r: IdempotencyRecord) =>
      store().transaction((tx) => tx.idempotency.get(r.key, r.principalId));
    expect(await read(full)).toStrictEqual(full);
    expect(await read(bare)).toStrictEqual(bare);
    expect(await read({ ...full, principalId: 'someone-else' })).toBeUndefined();
  });

  it('refuses a second record for the same principal and key, but not for another principal', async () => {
    const first = record();
    await store().transaction((tx) => tx.idempotency.put(first));
    const error = await errorOf(
      store().transaction((tx) => tx.idempotency.put({ ...first, requestHash: 'cd'.repeat(32) })),
    );
    expect((error as ClearanceError).code).toBe('conflict');
    const other = { ...first, principalId: unique('user') };
    await store().transaction((tx) => tx.idempotency.put(other));
    expect(
      await store().transaction((tx) => tx.idempotency.get(first.key, first.principalId)),
    ).toStrictEqual(first);
  });

  it('purges records created before an instant and keeps newer ones', async () => {
    const old = record({ createdAt: '2001-01-01T00:00:00.000Z' });
    const recent = record({ createdAt: '2001-01-02T00:00:00.001Z' });
    await store().transaction(async (tx) => {
      await tx.idempotency.put(old);
      await tx.idempotency.put(recent);
    });
    const purged = await store().transaction((tx) =>
      tx.idempotency.purgeOlderThan('2001-01-02T00:00:00.000Z', 1_000),
    );
    expect(purged).toBe(1);
    const get = (r: IdempotencyRecord) =>
      store().transaction((tx) => tx.idempotency.get(r.key, r.principalId));
    expect(await get(old)).toBeUndefined();
    expect(await get(recent)).toStrictEqual(recent);
    // The key is free again once purged.
    await store().transaction((tx) => tx.idempotency.put(old));
  });

  it('purges at most the limit, oldest first', async () => {
    const records = ['01', '02', '03'].map((day) =>
      record({ createdAt: `1990-02-${day}T00:00:00.000Z` }),
    );
    await store().transaction(async (tx) => {
      for (const r of [...records].reverse()) await tx.idempotency.put(r);
    });
    const purged = await store().transaction((tx) =>
      tx.idempotency.purgeOlderThan('1990-03-01T00:00:00.000Z', 2),
    );
    expect(purged).toBe(2);
    const left = await store().transaction(async (tx) =>
      Promise.all(records.map((r) => tx.idempotency.get(r.key, r.principalId))),
    );
    expect(left).toStrictEqual([undefined, undefined, records[2]]);
  });

  it('claims a key once, in the acting transaction, and lets an expired record be claimed anew', async () => {
    const { response: _, ...claim } = record({ createdAt: '2001-01-01T00:00:00.000Z' });
    const expiredBefore = '2000-01-01T00:00:00.000Z';
    expect(await store().transaction((tx) => tx.idempotency.claim(claim, expiredBefore))).toBe(
      true,
    );
    expect(await store().transaction((tx) => tx.idempotency.claim(claim, expiredBefore))).toBe(
      false,
    );
    expect(
      await store().transaction((tx) => tx.idempotency.get(claim.key, claim.principalId)),
    ).toStrictEqual(claim);
    // A claim whose transaction rolls back leaves nothing behind.
    const lost = { ...claim, key: unique('key') };
    await errorOf(
      store().transaction(async (tx) => {
        await tx.idempotency.claim(lost, expiredBefore);
        throw new Error('the action failed');
      }),
    );
    expect(
      await store().transaction((tx) => tx.idempotency.get(lost.key, lost.principalId)),
    ).toBeUndefined();
    // Past the retention the old record no longer holds the key.
    const later = { ...claim, createdAt: '2001-01-03T00:00:00.000Z' };
    const afterRetention = '2001-01-02T00:00:00.000Z';
    expect(await store().transaction((tx) => tx.idempotency.claim(later, afterRetention))).toBe(
      true,
    );
    expect(
      await store().transaction((tx) => tx.idempotency.get(claim.key, claim.principalId)),
    ).toStrictEqual(later);
  });

  it('answers a claim once', async () => {
    const full = record();
    const { response, ...claim } = full;
    if (response === undefined) throw new Error('fixture has a response');
    const expiredBefore = '2000-01-01T00:00:00.000Z';
    const get = () => store().transaction((tx) => tx.idempotency.get(claim.key, claim.principalId));
    await store().transaction((tx) => tx.idempotency.claim(claim, expiredBefore));
    expect(
      await store().transaction((tx) => tx.idempotency.answer(claim.key, 'nobody', response)),
    ).toBe(false);
    expect(
      await store().transaction((tx) =>
        tx.idempotency.answer(claim.key, claim.principalId, response),
      ),
    ).toBe(true);
    expect(await get()).toStrictEqual(full);
    // Answered: a second answer leaves the record as it is.
    const other = { ...response, body: '{}' };
    expect(
      await store().transaction((tx) => tx.idempotency.answer(claim.key, claim.principalId, other)),
    ).toBe(false);
    expect(await get()).toStrictEqual(full);
  });
}
