/**
 * `nextReadShared`, which the PostgreSQL data version is read through: calls made together share
 * one read, and a call made while a read is in flight waits for a read of its own, started after
 * the call (joining the earlier one could answer from a snapshot older than a commit already
 * answered elsewhere).
 */
import { expect, it } from 'vitest';
import { nextReadShared } from '../../src/store/dialects/next-read.js';

/** A read whose answers the test gives, one per read started. */
function controlledReads() {
  const started: ((value: number) => void)[] = [];
  const read = () => new Promise<number>((resolve) => started.push(resolve));
  return { read, started };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

it('shares one read among the calls of one turn', async () => {
  const { read, started } = controlledReads();
  const shared = nextReadShared(read);
  const calls = [shared(), shared(), shared()];
  await turn();
  expect(started).toHaveLength(1);
  started[0]?.(7);
  expect(await Promise.all(calls)).toEqual([7, 7, 7]);
});

it('gives a call made while a read is in flight a read started after it', async () => {
  const { read, started } = controlledReads();
  const shared = nextReadShared(read);
  const early = shared();
  await turn();
  expect(started).toHaveLength(1);
  // The first read is running (its snapshot may predate a commit); this call must not join it.
  const late = shared();
  await turn();
  expect(started).toHaveLength(2);
  started[0]?.(1);
  started[1]?.(2);
  expect(await early).toBe(1);
  expect(await late).toBe(2);
});

it('passes a failed read to each of its callers, and reads again for the next', async () => {
  let calls = 0;
  const shared = nextReadShared(async () => {
    calls += 1;
    if (calls === 1) throw new Error('connection lost');
    return calls;
  });
  const failed = [shared(), shared()];
  for (const call of failed) await expect(call).rejects.toThrow('connection lost');
  expect(await shared()).toBe(2);
});
