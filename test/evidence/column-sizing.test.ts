import { describe, expect, it } from 'vitest';
import { GrowableFloat64 } from '../../src/evidence/growable-arrays.js';
import { readPredictions } from '../../src/evidence/index.js';
import { writeTemp } from './helpers.js';

const options = {
  label: 'label',
  score: 'score',
  baselineScore: 'base',
  groupColumns: ['g'],
  task: 'binary-classification' as const,
};

/**
 * The CSV reader sizes its columns from the line density of the file's first 64 KiB. A file
 * whose first rows are much longer than the rest makes that guess far too small (the columns
 * must grow while filling), and one whose first rows are much shorter makes it far too large
 * (the columns must be trimmed). Either way the table holds exactly the file's values.
 */
function file(rows: { score: string; base: string; g: string }[]): string {
  return `label,score,base,g\n${rows.map((r, i) => `${i % 2},${r.score},${r.base},${r.g}`).join('\n')}\n`;
}

const long = (i: number) => ({
  score: `0.${String(i).padStart(6, '0')}${'1'.repeat(9)}`,
  base: `${i}.${'7'.repeat(12)}e-3`,
  g: `group-${'x'.repeat(40)}-${i % 3}`,
});
const short = (i: number) => ({ score: `0.${i % 10}`, base: `${i % 7}`, g: `s${i % 2}` });

async function expectExact(rows: { score: string; base: string; g: string }[]): Promise<void> {
  const table = await readPredictions(await writeTemp('sizing.csv', file(rows)), options);
  expect(table.rowCount).toBe(rows.length);
  expect(table.scores).toHaveLength(rows.length);
  expect(table.baselineScores).toHaveLength(rows.length);
  expect(table.labels).toHaveLength(rows.length);
  // Compared in bulk (Object.is keeps -0 and bit-level differences visible), not per row.
  const group = table.groups.g!;
  expect([...table.scores].map((x, i) => Object.is(x, Number(rows[i]!.score)))).not.toContain(
    false,
  );
  expect(
    [...table.baselineScores!].map((x, i) => Object.is(x, Number(rows[i]!.base))),
  ).not.toContain(false);
  expect([...table.labels!]).toEqual(rows.map((_, i) => i % 2));
  expect([...group.codes].map((c) => group.values[c])).toEqual(rows.map((r) => r.g));
}

describe('CSV column sizing from the first 64 KiB', () => {
  it('grows columns when the first rows are long and the rest short (estimate too small)', async () => {
    // ~80-byte rows for the first 64 KiB, then 8-byte rows: the guess is ~10x too small.
    const rows = [...Array.from({ length: 1_000 }, (_, i) => long(i))];
    for (let i = 0; i < 60_000; i++) rows.push(short(i));
    await expectExact(rows);
  });

  it('trims columns when the first rows are short and the rest long (estimate too large)', async () => {
    const rows = Array.from({ length: 9_000 }, (_, i) => short(i));
    for (let i = 0; i < 6_000; i++) rows.push(long(i));
    await expectExact(rows);
  });
});

describe('GrowableFloat64.pushDecimal', () => {
  it('appends finite decimals bit for bit as Number() reads them, growing when full', () => {
    const texts = Array.from({ length: 100 }, (_, i) =>
      i % 3 === 0 ? `-${i}.${i}e-${i % 30}` : i % 3 === 1 ? `0.${i}0${i}` : `${i * 12345}`,
    );
    const bytes = Buffer.from(texts.join(','), 'latin1');
    const column = new GrowableFloat64(16);
    let start = 0;
    for (const text of texts) {
      expect(column.pushDecimal(bytes, start, start + text.length)).toBe(true);
      start += text.length + 1;
    }
    const values = column.toArray();
    expect(values).toHaveLength(texts.length);
    expect([...values].map((x, i) => Object.is(x, Number(texts[i])))).not.toContain(false);
  });

  it('appends nothing and returns false for text that is not a finite decimal', () => {
    const column = new GrowableFloat64(16);
    column.push(0.5);
    for (const text of ['', '-', '.', 'NaN', 'Infinity', '1e999', '-1e999', '0x1F', '1.2.3', ' ']) {
      const bytes = Buffer.from(`,${text},`, 'latin1');
      expect(column.pushDecimal(bytes, 1, 1 + text.length)).toBe(false);
    }
    expect(column.length).toBe(1);
    expect([...column.toArray()]).toEqual([0.5]);
  });
});
