import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { readPredictions } from '../../src/evidence/index.js';

/** Parquet files written by an independent writer (hyparquet-writer), read back by Clearance. */
function writeParquet(columns: { name: string; data: unknown[]; type: string }[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'clearance-parquet-'));
  const file = join(dir, 'predictions.parquet');
  // biome-ignore lint/suspicious/noExplicitAny: hyparquet-writer's column type is a wide union; the test data is well-typed above.
  const buffer = parquetWriteBuffer({ columnData: columns as any, rowGroupSize: 3 });
  writeFileSync(file, new Uint8Array(buffer));
  return file;
}

describe('readPredictions on Parquet', () => {
  it('reads labels, scores, baseline scores and groups across row groups', async () => {
    const file = writeParquet([
      { name: 'y', data: [1, 0, 1, 0, 1, 0, 0], type: 'INT32' },
      { name: 'p', data: [0.9, 0.1, 0.8, 0.35, 0.6, 0.2, 0.4], type: 'DOUBLE' },
      { name: 'b', data: [0.7, 0.3, 0.5, 0.45, 0.55, 0.1, 0.2], type: 'DOUBLE' },
      { name: 'g', data: ['a', 'b', 'a', 'b', 'c', 'a', 'c'], type: 'STRING' },
      { name: 'unused', data: [1, 2, 3, 4, 5, 6, 7], type: 'INT32' },
    ]);
    const table = await readPredictions(file, {
      label: 'y',
      score: 'p',
      baselineScore: 'b',
      groupColumns: ['g'],
      task: 'binary-classification',
    });
    expect(table.rowCount).toBe(7);
    expect([...(table.labels ?? [])]).toEqual([1, 0, 1, 0, 1, 0, 0]);
    expect([...table.scores]).toEqual([0.9, 0.1, 0.8, 0.35, 0.6, 0.2, 0.4]);
    expect([...(table.baselineScores ?? [])]).toEqual([0.7, 0.3, 0.5, 0.45, 0.55, 0.1, 0.2]);
    const g = table.groups.g;
    expect(g?.codes && [...g.codes].map((c) => g.values[c])).toEqual([
      'a',
      'b',
      'a',
      'b',
      'c',
      'a',
      'c',
    ]);
  });

  it('names the file, row and column of a NaN score', async () => {
    const file = writeParquet([
      { name: 'y', data: [1, 0, 1], type: 'INT32' },
      { name: 'p', data: [0.9, Number.NaN, 0.8], type: 'DOUBLE' },
    ]);
    await expect(
      readPredictions(file, { label: 'y', score: 'p', task: 'binary-classification' }),
    ).rejects.toThrow(/predictions\.parquet.*row 2.*"p"/);
  });

  it('lists the columns present when the label column is missing', async () => {
    const file = writeParquet([
      { name: 'target', data: [1, 0], type: 'INT32' },
      { name: 'p', data: [0.9, 0.1], type: 'DOUBLE' },
    ]);
    await expect(
      readPredictions(file, { label: 'y', score: 'p', task: 'binary-classification' }),
    ).rejects.toThrow(/target/);
  });
});
