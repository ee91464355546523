import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isClearanceError } from '../../src/domain/index.js';
import { readLoadTest } from '../../src/evidence/read-load-test.js';
import { percentile } from '../../src/stats/index.js';
import { writeTemp } from './helpers.js';

/** Reads `text` as `name`; any refusal must be a located invalid_evidence error, never a crash. */
async function readOrRefuse(name: string, text: string) {
  const file = await writeTemp(name, text);
  try {
    return await readLoadTest(file);
  } catch (error) {
    expect(isClearanceError(error) && error.code === 'invalid_evidence').toBe(true);
    return undefined;
  }
}

const fragments = fc.constantFrom(
  'latency_ms',
  'cost_usd',
  'Name',
  'Aggregated',
  '95%',
  'N/A',
  '{"type":"Point","metric":"http_req_duration","data":{"value":',
  '{"metrics":{"http_req_duration":{"p(95)":',
  '"',
  ',',
  '\n',
  '-1',
  '12.5',
  '}',
);
const noise = fc.array(fc.oneof(fragments, fc.string({ maxLength: 8 })), { maxLength: 40 });

describe('readLoadTest property', () => {
  for (const name of [
    'load_test.csv',
    'load_test_stats.csv',
    'load_test.ndjson',
    'load_test.json',
  ]) {
    it(`never crashes on random ${name} text`, async () => {
      await fc.assert(
        fc.asyncProperty(noise, async (parts) => {
          await readOrRefuse(name, parts.join(''));
        }),
        { numRuns: 150 },
      );
    });
  }

  it('returns exactly the latencies of a random per-request CSV', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 60 }),
        async (micros) => {
          const values = micros.map((m) => m / 1000);
          const read = await readOrRefuse(
            'load_test.csv',
            `status,latency_ms\n${values.map((v) => `200,${v}`).join('\n')}\n`,
          );
          const latencies = read?.loadTest?.latenciesMs;
          expect(Array.from(latencies ?? [])).toEqual(values);
          expect(percentile(latencies!, 95)).toBe(percentile(Float64Array.from(values), 95));
        },
      ),
      { numRuns: 60 },
    );
  });
});
