/**
 * `readCache` on its own, over a store whose data version the test moves: kept until the version
 * changes, never a not-found, at most `capacity` entries (least recently used dropped), frozen
 * values, and a read that finishes after the version moved is answered but not kept.
 */
import { describe, expect, it } from 'vitest';
import { readCache } from '../../src/app/index.js';

function versioned() {
  let version = 1;
  return {
    store: { dataVersion: async () => version },
    commit: () => {
      version += 1;
    },
  };
}

/** A read that counts its calls and answers `{ key, call }`. */
function counting() {
  let calls = 0;
  return {
    read: (key: string) => async () => ({ key, call: ++calls }),
    calls: () => calls,
  };
}

describe('readCache', () => {
  it('keeps a value until the data version changes, then reads again', async () => {
    const { store, commit } = versioned();
    const cache = readCache<{ key: string; call: number }>(store);
    const source = counting();
    expect(await cache.get('a', source.read('a'))).toEqual({ key: 'a', call: 1 });
    expect(await cache.get('a', source.read('a'))).toEqual({ key: 'a', call: 1 });
    commit();
    expect(await cache.get('a', source.read('a'))).toEqual({ key: 'a', call: 2 });
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, size: 1 });
  });

  it('reads every time when the store cannot tell (no data version)', async () => {
    const cache = readCache<{ key: string; call: number }>({ dataVersion: async () => undefined });
    const source = counting();
    await cache.get('a', source.read('a'));
    await cache.get('a', source.read('a'));
    expect(source.calls()).toBe(2);
    expect(cache.stats().size).toBe(0);
  });

  it('does not keep a not-found answer', async () => {
    const cache = readCache<{ key: string }>(versioned().store);
    let calls = 0;
    const missing = async () => {
      calls += 1;
      return undefined;
    };
    await cache.get('nope', missing);
    await cache.get('nope', missing);
    expect(calls).toBe(2);
  });

  it('keeps at most its capacity, dropping the least recently used', async () => {
    const cache = readCache<{ key: string; call: number }>(versioned().store, {
      maxEntries: 2,
      maxBytes: 1e6,
    });
    const source = counting();
    await cache.get('a', source.read('a'));
    await cache.get('b', source.read('b'));
    await cache.get('a', source.read('a')); // a is now the most recently used
    await cache.get('c', source.read('c')); // drops b
    expect(cache.stats().size).toBe(2);
    const before = source.calls();
    await cache.get('a', source.read('a'));
    expect(source.calls()).toBe(before);
    await cache.get('b', source.read('b'));
    expect(source.calls()).toBe(before + 1);
  });

  it('hands out frozen values, nested objects included', async () => {
    const cache = readCache<{ nested: { version: string } }>(versioned().store);
    const value = await cache.get('a', async () => ({ nested: { version: '1.0.0' } }));
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value?.nested)).toBe(true);
  });

  it('does not keep a read that finished after the data version moved', async () => {
    const { store, commit } = versioned();
    const cache = readCache<{ key: string; call: number }>(store);
    const source = counting();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = cache.get('a', async () => {
      await gate;
      return source.read('a')();
    });
    commit();
    await cache.get('b', source.read('b')); // sees the new version first
    release();
    await slow;
    await cache.get('a', source.read('a'));
    expect(source.calls()).toBe(3);
  });
});
