/**
 * `deepFreeze` (src/app/shared/deep-freeze.ts), as the read caches freeze the values every
 * request shares: every object reachable through own enumerable properties ends frozen, checked
 * by an independent walk over `Object.values`.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { deepFreeze } from '../../src/app/shared/deep-freeze.js';

/** Each object reachable from `value` through `Object.values` (arrays' elements included). */
function reachable(value: unknown, into: object[] = []): object[] {
  if (value === null || typeof value !== 'object') return into;
  into.push(value);
  for (const child of Object.values(value)) reachable(child, into);
  return into;
}

it('freezes every object reachable through own enumerable properties', () => {
  fc.assert(
    fc.property(
      fc.anything({ withSparseArray: true, withNullPrototype: true, maxDepth: 4 }),
      (value) => {
        if (value === null || typeof value !== 'object') return;
        deepFreeze(value);
        expect(reachable(value).filter((o) => !Object.isFrozen(o))).toEqual([]);
      },
    ),
    { numRuns: 300 },
  );
});

it('freezes arrays of records and leaves what it was given, frozen, the same value', () => {
  const records = [{ version: '1', lineage: { seed: 1, tags: ['a'] } }, { version: '2' }];
  const before = JSON.stringify(records);
  expect(deepFreeze(records)).toBe(records);
  expect(JSON.stringify(records)).toBe(before);
  expect(Object.isFrozen(records[0]?.lineage?.tags)).toBe(true);
  expect(() => {
    (records as { version: string }[]).push({ version: '3' });
  }).toThrow(TypeError);
});
