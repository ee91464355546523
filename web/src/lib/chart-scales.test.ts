import { describe, expect, it } from 'vitest';
import { bandRect, extent, linearScale, linePath, niceDomain, niceTicks } from './chart-scales.js';

describe('chart geometry', () => {
  it('maps a domain to pixels and back, y flipped', () => {
    const y = linearScale([0, 1], [300, 20]);
    expect(y(0)).toBe(300);
    expect(y(1)).toBe(20);
    expect(y(0.5)).toBe(160);
    expect(y.invert(160)).toBeCloseTo(0.5, 12);
    expect(linearScale([2, 2], [0, 100])(2)).toBe(50);
  });

  it('chooses ticks at 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(87, 213, 5)).toEqual([100, 150, 200]);
    expect(niceTicks(-0.004, 0.011, 4)).toEqual([0, 0.005, 0.01]);
    expect(niceTicks(5, 5)).toEqual([5]);
    expect(niceTicks(Number.NaN, 1)).toEqual([]);
  });

  it('widens a domain to nice ends', () => {
    expect(niceDomain(87, 213, 5)).toEqual([50, 250]);
    expect(niceDomain(0.0012, 0.0097, 4)).toEqual([0, 0.01]);
    expect(extent([3, 3])).toEqual([2.7, 3.3]);
    expect(extent([], [])).toEqual([0, 1]);
    expect(extent([1, 5], [200])).toEqual([1, 200]);
  });

  it('draws line paths, breaking at missing points', () => {
    const x = linearScale([0, 10], [0, 100]);
    const y = linearScale([0, 1], [100, 0]);
    expect(
      linePath(
        [
          { x: 0, y: 0 },
          { x: 5, y: 0.333 },
          { x: 6, y: Number.NaN },
          { x: 10, y: 1 },
        ],
        x,
        y,
      ),
    ).toBe('M0,100 L50,66.7 M100,0');
    expect(linePath([], x, y)).toBe('');
  });

  it('places a shaded band over an x interval, full height', () => {
    const x = linearScale([0, 60], [40, 640]);
    const y = linearScale([0, 1], [260, 20]);
    expect(bandRect({ from: 15, to: 30 }, x, y)).toEqual({
      x: 190,
      y: 20,
      width: 150,
      height: 240,
    });
  });
});
