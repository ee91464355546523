/**
 * The read caches bounded by bytes (M4): filled well past their budget with values carrying long
 * strings (a version's artifact URI, a page of such versions, a token holder), each holds at most
 * its budget, by its own accounting and by the real string lengths of what it still answers from
 * memory; and a value heavier than the whole budget is answered but not kept.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { approximateBytes, readCache, weighedLru } from '../../src/app/index.js';
import { countedCache } from '../../src/app/shared/counted-cache.js';

const budget = 1024 * 1024;
const store = { dataVersion: async () => 1 };

/** Sum of the lengths of every string in `value` (keys too): what the text alone occupies. */
function stringLengths(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (value === null || typeof value !== 'object') return 0;
  let total = 0;
  for (const [key, item] of Object.entries(value)) total += key.length + stringLengths(item);
  return total;
}

/** A version as lists carry it, with an artifact URI of `uriLength` characters. */
function version(n: number, uriLength: number) {
  return {
    model: 'm',
    version: `1.0.${n}`,
    artifactUri: `s3://bucket/${'u'.repeat(uriLength)}`,
    artifactDigest: `sha256:${'0'.repeat(64)}`,
    lineage: { codeCommit: '9f2c1e7', seed: n },
    state: 'draft',
  };
}

/** The estimate as first written, over `Object.entries`: the reference the faster walk must equal. */
function referenceBytes(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (value === null || typeof value !== 'object') return 8;
  let bytes = 16;
  if (Array.isArray(value)) {
    for (const item of value) bytes += 16 + referenceBytes(item);
    return bytes;
  }
  for (const [key, item] of Object.entries(value)) bytes += 16 + key.length + referenceBytes(item);
  return bytes;
}

describe('approximateBytes', () => {
  it('weighs any value as the Object.entries walk does', () => {
    fc.assert(
      fc.property(fc.anything({ withSparseArray: true, withNullPrototype: true }), (value) => {
        expect(approximateBytes(value)).toBe(referenceBytes(value));
      }),
      { numRuns: 500 },
    );
  });

  it('weighs a Map by its entries, as the object of the same entries', () => {
    const entries: [string, Record<string, string>][] = [
      ['1', { team: 'x'.repeat(1000) }],
      ['2', { stage: 'y'.repeat(500) }],
    ];
    expect(approximateBytes(new Map(entries))).toBe(referenceBytes(Object.fromEntries(entries)));
    expect(approximateBytes(new Map(entries))).toBeGreaterThan(1500);
  });

  it('counts own properties only, not inherited ones', () => {
    const inherited = Object.create({ inheritedKey: 'x'.repeat(100) }) as Record<string, unknown>;
    inherited.own = 'ab';
    expect(approximateBytes(inherited)).toBe(referenceBytes(inherited));
    expect(approximateBytes(inherited)).toBe(16 + 16 + 'own'.length + 2);
  });
});

describe('read caches bounded by bytes', () => {
  it('holds at most its byte budget after 60 versions with 100 KB artifact URIs (readCache)', async () => {
    const cache = readCache<ReturnType<typeof version>>(store, {
      maxEntries: 10_000,
      maxBytes: budget,
    });
    for (let n = 0; n < 60; n++) await cache.get(`v${n}`, async () => version(n, 100_000));
    const { bytes, size } = cache.stats();
    expect(bytes).toBeLessThanOrEqual(budget);
    // What it still answers from memory, measured by the real strings. A probe that finds
    // nothing answers not-found, which is never kept: probing changes nothing.
    let kept = 0;
    let keptStrings = 0;
    for (let n = 0; n < 60; n++) {
      const value = await cache.get(`v${n}`, async () => undefined);
      if (value !== undefined) {
        kept += 1;
        keptStrings += stringLengths(value);
      }
    }
    expect(kept).toBe(size);
    expect(kept).toBeGreaterThan(0);
    expect(keptStrings).toBeLessThanOrEqual(budget);
    // The accounting counts at least the strings it holds.
    expect(bytes).toBeGreaterThanOrEqual(keptStrings);
  });

  it('holds at most its byte budget of version pages (countedCache)', async () => {
    const cache = countedCache<{ versions: ReturnType<typeof version>[] }>(store, {
      weigh: approximateBytes,
      capacity: budget,
    });
    const pages = new Map<string, number>();
    for (let p = 0; p < 40; p++) {
      const key = `m${p}`;
      const value = { versions: [version(p, 30_000), version(p + 1, 30_000)] };
      pages.set(key, stringLengths(value));
      await cache.get({ key, count: async () => 1, read: async () => ({ count: 1, value }) });
    }
    const { weight, size } = cache.stats();
    expect(weight).toBeLessThanOrEqual(budget);
    expect(size).toBeGreaterThan(0);
    expect(size).toBeLessThan(40);
    // The most recently read pages are the ones kept: their real strings fit the budget.
    const keptStrings = [...pages.values()].slice(-size).reduce((a, b) => a + b, 0);
    expect(keptStrings).toBeLessThanOrEqual(budget);
    expect(weight).toBeGreaterThanOrEqual(keptStrings);
  });

  it('holds at most its entry limit of tiny version pages (countedCache)', async () => {
    const cache = countedCache<{ versions: ReturnType<typeof version>[] }>(store, {
      weigh: approximateBytes,
      capacity: budget,
      maxEntries: 8,
    });
    for (let p = 0; p < 40; p++) {
      const value = { versions: [version(p, 10)] };
      await cache.get({
        key: `m${p}`,
        count: async () => 1,
        read: async () => ({ count: 1, value }),
      });
    }
    const { weight, size } = cache.stats();
    expect(size).toBe(8);
    expect(weight).toBeLessThan(budget);
  });

  it('answers but does not keep a value heavier than its whole budget', async () => {
    const cache = readCache<ReturnType<typeof version>>(store, {
      maxEntries: 10,
      maxBytes: budget,
    });
    await cache.get('small', async () => version(0, 10));
    let reads = 0;
    const huge = async () => {
      reads += 1;
      return version(1, 2 * budget);
    };
    expect((await cache.get('huge', huge))?.artifactUri.length).toBeGreaterThan(budget);
    await cache.get('huge', huge);
    expect(reads).toBe(2);
    // And it evicted nothing on its way through.
    expect(cache.stats().size).toBe(1);
  });

  it('never holds more than its limits, whatever is set (weighedLru)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.string({ maxLength: 300 })), {
          maxLength: 200,
        }),
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 1, max: 12 }),
        (writes, maxBytes, maxEntries) => {
          const lru = weighedLru<string>({ maxBytes, maxEntries });
          const kept = new Map<string, string>();
          for (const [k, text] of writes) {
            const key = `k${k}`;
            kept.delete(key);
            if (lru.set(key, text, approximateBytes(text))) kept.set(key, text);
            for (const known of [...kept.keys()])
              if (lru.peek(known) === undefined) kept.delete(known);
          }
          const { bytes, size } = lru.stats();
          const real = [...kept.values()].reduce((sum, text) => sum + text.length, 0);
          expect(bytes).toBe(real);
          expect(bytes).toBeLessThanOrEqual(maxBytes);
          expect(size).toBe(kept.size);
          expect(size).toBeLessThanOrEqual(maxEntries);
        },
      ),
    );
  });
});
