/**
 * The batch bound counts what is stored as well as what is expanded: a histogram whose counts are
 * all 0 still stores every listed value, so it may not list more than the bound either.
 */
import { expect, it } from 'vitest';
import { checkBatch, maxBatchValues } from '../../src/app/rollouts/observation-batch.js';

const startedAt = Date.parse('2026-12-01T10:00:00Z');

it('refuses a histogram listing more values than the bound, even with zero counts', () => {
  const values = Array.from({ length: maxBatchValues + 1 }, (_, i) => i);
  const counts = values.map(() => 0);
  expect(() =>
    checkBatch({
      batchId: 'big',
      points: [
        { series: 'latency_ms', arm: 'candidate', at: '2026-12-01T10:01:00Z', values, counts },
      ],
      startedAt,
      receivedAt: startedAt + 120_000,
    }),
  ).toThrow(/holds 1000001 values; at most 1000000/);
});

it('accepts a histogram at the bound', () => {
  const values = Array.from({ length: 10 }, (_, i) => i);
  const counts = values.map(() => maxBatchValues / 10);
  const { points } = checkBatch({
    batchId: 'ok',
    points: [
      { series: 'latency_ms', arm: 'candidate', at: '2026-12-01T10:01:00Z', values, counts },
    ],
    startedAt,
    receivedAt: startedAt + 120_000,
  });
  expect(points).toHaveLength(1);
});
