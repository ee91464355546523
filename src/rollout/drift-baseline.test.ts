import { describe, expect, it } from 'vitest';
import { readDriftBaseline } from './drift-baseline.js';

describe('readDriftBaseline', () => {
  it('reads one series of the distributions mapping', () => {
    const read = readDriftBaseline({ distributions: { score: [0.1, 0.5], age: [30] } }, 'score');
    expect(read).toEqual({ ok: true, values: Float64Array.of(0.1, 0.5) });
  });

  it.each([
    [null, 'no "distributions" mapping'],
    [{ distributions: [] }, 'no "distributions" mapping'],
    [{ distributions: { age: [1] } }, 'no values for "score"'],
    [{ distributions: { score: [] } }, 'no values for "score"'],
    [{ distributions: { score: [0.1, '0.2'] } }, 'Value 2 of "score"'],
    [{ distributions: { score: [0.1, null] } }, 'Value 2 of "score"'],
  ])('refuses %j, saying why', (data, reason) => {
    const read = readDriftBaseline(data, 'score');
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.reason).toContain(reason);
  });
});
