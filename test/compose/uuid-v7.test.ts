import { describe, expect, it } from 'vitest';
import { uuidV7 } from '../../src/compose/uuid-v7.js';

/** RFC 9562 §5.7, read off the text: version nibble 7, variant bits 10, time in the first 48 bits. */
const layout = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidV7', () => {
  it('lays out RFC 9562 version 7 ids with the clock in the first 48 bits', () => {
    const ms = Date.UTC(2026, 11, 6, 20, 0, 0, 123);
    const ids = uuidV7({ now: () => new Date(ms) });
    for (let i = 0; i < 1000; i++) {
      const id = ids.next();
      expect(id).toMatch(layout);
      expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
    }
  });

  it('never repeats its random part, across many refills of the random block', () => {
    const ids = uuidV7({ now: () => new Date(0) });
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(ids.next().slice(14));
    expect(seen.size).toBe(20_000);
  });

  it('spreads each random bit evenly (every free bit set in about half of the ids)', () => {
    const ids = uuidV7({ now: () => new Date(0) });
    const n = 20_000;
    // 74 free bits: 12 after the version nibble, 62 after the variant bits.
    const ones = new Array<number>(128).fill(0);
    for (let i = 0; i < n; i++) {
      const hex = ids.next().replace(/-/g, '');
      for (let bit = 0; bit < 128; bit++) {
        const nibble = Number.parseInt(hex[bit >> 2] ?? '0', 16);
        if ((nibble >> (3 - (bit & 3))) & 1) ones[bit] = (ones[bit] ?? 0) + 1;
      }
    }
    const free = [
      ...Array.from({ length: 12 }, (_, k) => 52 + k),
      ...Array.from({ length: 62 }, (_, k) => 66 + k),
    ];
    // Binomial(20,000, 1/2): 5 standard deviations is ±354.
    for (const bit of free) expect(Math.abs((ones[bit] ?? 0) - n / 2)).toBeLessThan(354);
    // The fixed bits: version 0111, variant 10.
    expect([48, 49, 50, 51, 64, 65].map((bit) => ones[bit])).toStrictEqual([0, n, n, n, n, 0]);
  });
});
