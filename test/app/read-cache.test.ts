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

  it('shares one read among requests missing the same key at the same version', async () => {
    const { store } = versioned();
    const cache = readCache<{ call: number }>(store);
    let calls = 0;
    let answer: (value: { call: number }) => void = () => undefined;
    const read = () => {
      calls += 1;
      return new Promise<{ call: number }>((resolve) => {
        answer = resolve;
      });
    };
    const asked = [cache.get('list', read), cache.get('list', read), cache.get('list', read)];
    // Each request reads the version first: let them all reach the read.
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toBe(1);
    answer({ call: 1 });
    const answers = await Promise.all(asked);
    expect(answers.map((a) => a?.call)).toEqual([1, 1, 1]);
    expect(new Set(answers).size).toBe(1);
    expect(await cache.get('list', read)).toBe(answers[0]);
    expect(calls).toBe(1);
  });

  it('shares no read across a commit: a request after it reads again', async () => {
    const { store, commit } = versioned();
    const cache = readCache<{ call: number }>(store);
    const answers: ((value: { call: number }) => void)[] = [];
    let calls = 0;
    const read = () => {
      calls += 1;
      return new Promise<{ call: number }>((resolve) => {
        answers.push(resolve);
      });
    };
    const before = cache.get('list', read);
    await new Promise((resolve) => setImmediate(resolve));
    commit();
    const after = cache.get('list', read);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toBe(2);
    answers[0]?.({ call: 1 });
    answers[1]?.({ call: 2 });
    expect((await before)?.call).toBe(1);
    expect((await after)?.call).toBe(2);
    // What is kept is the read that began after the commit.
    expect((await cache.get('list', read))?.call).toBe(2);
    expect(calls).toBe(2);
  });

  it('fails every request that shared a failed read, and reads again for the next', async () => {
    const cache = readCache<{ call: number }>(versioned().store);
    let calls = 0;
    let fail: (error: Error) => void = () => undefined;
    const failing = () => {
      calls += 1;
      return new Promise<{ call: number }>((_, reject) => {
        fail = reject;
      });
    };
    const asked = [cache.get('k', failing), cache.get('k', failing)];
    await new Promise((resolve) => setImmediate(resolve));
    fail(new Error('connection lost'));
    const settled = await Promise.allSettled(asked);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect((await cache.get('k', async () => ({ call: 7 })))?.call).toBe(7);
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

  it('weighs values by the weigh it is given: one over the bound is answered, not kept', async () => {
    const source = counting();
    // By its call number: the first read weighs 10 bytes, the second 1,000.
    const cache = readCache<{ key: string; call: number }>(
      versioned().store,
      { maxEntries: 10, maxBytes: 100 },
      (value) => (value.call === 1 ? 10 : 1_000),
    );
    await cache.get('light', source.read('light'));
    await cache.get('heavy', source.read('heavy'));
    expect(await cache.get('light', source.read('light'))).toEqual({ key: 'light', call: 1 });
    expect(await cache.get('heavy', source.read('heavy'))).toEqual({ key: 'heavy', call: 3 });
    expect(cache.stats()).toMatchObject({ size: 1, bytes: 10 });
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
