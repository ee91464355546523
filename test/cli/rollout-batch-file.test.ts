/**
 * `clearance rollout observe` reads a CSV row as a rate (successes, trials) or one value of a
 * histogram (value, count). A row that fills both, or whose numbers are not plain decimals, is
 * refused before anything is posted, rather than half of it silently dropped.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readBatchFile } from '../../src/cli/rollout-batch-file.js';

const header = 'series,arm,at,successes,trials,value,count';

function csv(...rows: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'clearance-batch-')), 'kpis.csv');
  writeFileSync(file, `${[header, ...rows].join('\n')}\n`);
  return file;
}

async function refusal(file: string): Promise<string> {
  return readBatchFile(file).then(
    () => 'accepted',
    (e: unknown) => `${(e as { code?: string }).code}: ${(e as Error).message}`,
  );
}

it('reads rates and histogram values from a CSV', async () => {
  const batch = await readBatchFile(
    csv(
      'ctr,candidate,2026-12-01T10:00:00Z,5,10,,',
      'latency_ms,candidate,2026-12-01T10:00:00Z,,,12.5,3',
      'latency_ms,candidate,2026-12-01T10:00:00Z,,,80,',
    ),
  );
  expect(batch.points).toEqual([
    { series: 'ctr', arm: 'candidate', at: '2026-12-01T10:00:00Z', successes: 5, trials: 10 },
    {
      series: 'latency_ms',
      arm: 'candidate',
      at: '2026-12-01T10:00:00Z',
      values: [12.5, 80],
      counts: [3, 1],
    },
  ]);
});

it('refuses a row that is both a rate and a value instead of dropping the rate', async () => {
  const answer = await refusal(csv('ctr,candidate,2026-12-01T10:00:00Z,5,10,0.3,'));
  expect(answer).toMatch(/^invalid_input: .*line 2.*both/);
});

it('refuses numbers that are not plain decimals (hex, empty-looking)', async () => {
  expect(await refusal(csv('ctr,candidate,2026-12-01T10:00:00Z,0x10,20,,'))).toMatch(
    /^invalid_input: .*"0x10" is not a number/,
  );
  expect(await refusal(csv('latency_ms,candidate,2026-12-01T10:00:00Z,,,0b11,'))).toMatch(
    /^invalid_input: .*"0b11" is not a number/,
  );
});
