import { expect, it } from 'vitest';
import { backoffDelayMs, defaultBackoff } from '../../src/jobs/index.js';

it('doubles the ceiling per failure up to the cap, waiting between half and all of it', () => {
  const delays = (random: number) =>
    [1, 2, 3, 4, 20, 100].map((failedAttempts) =>
      backoffDelayMs({ failedAttempts, random: () => random }),
    );
  expect(delays(0)).toStrictEqual([2_500, 5_000, 10_000, 20_000, 1_800_000, 1_800_000]);
  expect(delays(0.999_999).map((d) => Math.round(d / 1000))).toStrictEqual([
    5, 10, 20, 40, 3600, 3600,
  ]);
  expect(defaultBackoff).toStrictEqual({ baseDelayMs: 5_000, maxDelayMs: 3_600_000 });
});
