/**
 * `countedCache` (version pages kept under a model's change count, ADR 015) with its store faked
 * down to the data version: the counter and the reads are the test's own, so races can be staged.
 */
import { expect, it } from 'vitest';
import { countedCache } from '../../src/app/shared/counted-cache.js';

type Page = { n: number };

it('keeps its weight exact when a page is replaced while another request awaits its count', async () => {
  let version = 1;
  const counts = new Map<string, number>();
  const cache = countedCache<Page>(
    { dataVersion: async () => version },
    { weigh: (page) => page.n, capacity: 1000 },
  );
  for (let round = 0; round < 5; round++) {
    const key = `m${round}`;
    counts.set(key, 1);
    const countOf = async () => counts.get(key) ?? 0;
    await cache.get({ key, count: countOf, read: async () => ({ count: 1, value: { n: 10 } }) });
    version += 1; // a commit elsewhere: the next request checks the count
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const waiting = cache.get({
      key,
      count: async () => {
        await held;
        return 1;
      },
      read: async () => {
        throw new Error('the count was unchanged when read: this request answers from memory');
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    counts.set(key, 2); // a version added to this model, then read by another request
    version += 1;
    await cache.get({ key, count: countOf, read: async () => ({ count: 2, value: { n: 200 } }) });
    release();
    expect(await waiting).toEqual({ n: 10 });
    // The newer page stays, and the weight is what is kept.
    expect(
      await cache.get({ key, count: countOf, read: async () => ({ count: 2, value: { n: 1 } }) }),
    ).toEqual({ n: 200 });
  }
  const stats = cache.stats();
  expect(stats.size).toBe(5);
  expect(stats.weight).toBe(5 * 200);
});

it('answers getAt and peekAt from memory only at the count a value was kept under', async () => {
  const cache = countedCache<Page>(
    { dataVersion: async () => 1 },
    { weigh: (page) => page.n, capacity: 1000 },
  );
  let reads = 0;
  // The search read count 3; the value's own snapshot says 4 (a change in between): kept at 4.
  const read = async () => {
    reads += 1;
    return { count: 4, value: { n: reads } };
  };
  expect(cache.peekAt('m', 3)).toBeUndefined();
  expect(await cache.getAt({ key: 'm', count: 3, read })).toEqual({ n: 1 });
  expect(cache.peekAt('m', 3)).toBeUndefined();
  expect(cache.peekAt('m', 4)).toEqual({ n: 1 });
  expect(await cache.getAt({ key: 'm', count: 4, read })).toEqual({ n: 1 });
  expect(reads).toBe(1);
  // A later count reads again.
  expect(cache.peekAt('m', 5)).toBeUndefined();
  expect(await cache.getAt({ key: 'm', count: 5, read })).toEqual({ n: 2 });
  expect(reads).toBe(2);
  // Kept values are frozen: every request shares them.
  expect(Object.isFrozen(cache.peekAt('m', 4))).toBe(true);
  const { hits, misses } = cache.stats();
  expect({ hits, misses }).toEqual({ hits: 3, misses: 2 });
});
