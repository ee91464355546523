import { describe, expect, it } from 'vitest';
import { readPredictions } from '../../src/evidence/index.js';
import { refusal, writeTemp } from './helpers.js';

const binary = { label: 'label', score: 'score', task: 'binary-classification' } as const;

describe('readPredictions (CSV)', () => {
  it('reads labels, scores, baseline, ids and dictionary-encoded groups', async () => {
    const file = await writeTemp(
      'p.csv',
      'id,label,score,base,sex\nr1,1,0.9,0.8,female\nr2,0,0.25,0.3,male\nr3,true,1e-3,-2.5,female\nr4,False,.5,1.,male\n',
    );
    const table = await readPredictions(file, {
      ...binary,
      baselineScore: 'base',
      idColumn: 'id',
      groupColumns: ['sex'],
    });
    expect(table.rowCount).toBe(4);
    expect([...table.labels!]).toEqual([1, 0, 1, 0]);
    expect([...table.scores]).toEqual([0.9, 0.25, 0.001, 0.5]);
    expect([...table.baselineScores!]).toEqual([0.8, 0.3, -2.5, 1]);
    expect(table.ids).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(table.groups.sex!.values).toEqual(['female', 'male']);
    expect([...table.groups.sex!.codes]).toEqual([0, 1, 0, 1]);
    expect(table.source).toBe(file);
  });

  it('handles quoted fields, "" escapes, embedded commas and line breaks, CRLF and a BOM', async () => {
    const csv =
      '\uFEFF"label","score","note"\r\n1,"0.75","a, ""quoted"" note"\r\n0,0.5,"two\r\nlines"\r\n1,"0.1",\r\n0,0.2,x';
    const file = await writeTemp('q.csv', csv);
    const table = await readPredictions(file, { ...binary, groupColumns: ['note'] });
    expect([...table.scores]).toEqual([0.75, 0.5, 0.1, 0.2]);
    expect(table.groups.note!.values).toEqual(['a, "quoted" note', 'two\r\nlines', '', 'x']);
  });

  it('reads regression targets', async () => {
    const file = await writeTemp('r.csv', 'y,yhat\n1.5,1.4\n-2,0\n');
    const table = await readPredictions(file, { label: 'y', score: 'yhat', task: 'regression' });
    expect([...table.targets!]).toEqual([1.5, -2]);
    expect(table.labels).toBeUndefined();
  });

  it('reports progress up to the file size', async () => {
    const file = await writeTemp('g.csv', 'label,score\n1,0.1\n0,0.2\n');
    const calls: [number, number][] = [];
    await readPredictions(file, { ...binary, onProgress: (d, t) => calls.push([d, t]) });
    expect(calls.at(-1)).toEqual([24, 24]);
  });
});

describe('readPredictions validation', () => {
  const cases: [string, string, object, RegExp[]][] = [
    [
      'missing column',
      'label,prob\n1,0.2\n',
      {},
      [/column "score"/, /columns found: "label", "prob"/],
    ],
    ['empty score', 'label,score\n1,0.2\n0,\n', {}, [/row 2/, /column "score"/, /score is empty/]],
    ['non-numeric score', 'label,score\n1,abc\n', {}, [/row 1/, /column "score"/, /not a number/]],
    ['NaN score', 'label,score\n1,0.1\n0,NaN\n', {}, [/row 2/, /not finite/]],
    ['Infinity score', 'label,score\n1,0.1\n0,-Infinity\n', {}, [/row 2/, /not finite/]],
    ['overflowing score', 'label,score\n1,0.1\n0,1e999\n', {}, [/row 2/, /not finite/]],
    ['hex score', 'label,score\n1,0.1\n0,0x1F\n', {}, [/row 2/, /not a number/]],
    [
      'third class',
      'label,score\n1,0.1\n0,0.2\n2,0.3\n2,0.4\n',
      {},
      [/row 3/, /column "label"/, /"2"/, /first row/],
    ],
    ['one class', 'label,score\n1,0.1\n1,0.2\n', {}, [/column "label"/, /label 1/, /undefined/]],
    ['empty file', '', {}, [/is empty/, /header/]],
    ['header only', 'label,score\n', {}, [/no data rows/]],
    ['ragged row', 'label,score\n1,0.1\n0,0.2,extra\n', {}, [/row 2/, /3 fields/, /header has 2/]],
    ['unclosed quote', 'label,score\n1,"0.1\n', {}, [/never closed/]],
    ['text after quote', 'label,score\n1,"0.1"x\n', {}, [/row 1/, /closing quote/]],
    [
      'non-numeric regression target',
      'label,score\n1.5,0.1\nn/a,0.2\n',
      { task: 'regression' },
      [/row 2/, /column "label"/, /regression target "n\/a" is not a number/],
    ],
  ];
  for (const [name, csv, extra, patterns] of cases) {
    it(`refuses a ${name} naming file, row and column`, async () => {
      const file = await writeTemp('bad.csv', csv);
      const error = await refusal(readPredictions(file, { ...binary, ...extra }));
      expect(error.code).toBe('invalid_evidence');
      expect(error.message).toContain(file);
      for (const pattern of patterns) expect(error.message).toMatch(pattern);
      expect(error.problems[0]?.fix).toBeTruthy();
    });
  }

  it('refuses an unknown extension', async () => {
    const file = await writeTemp('p.xlsx', 'x');
    expect((await refusal(readPredictions(file, binary))).message).toMatch(/\.xlsx/);
  });
});

describe('readPredictions (JSONL)', () => {
  it('reads one object per line, skipping blank lines, with CRLF', async () => {
    const file = await writeTemp(
      'p.jsonl',
      '{"label":1,"score":0.9,"g":"a"}\r\n\n{"label":false,"score":"0.1","g":null}\n{"label":"0","score":0.3,"g":7}',
    );
    const table = await readPredictions(file, { ...binary, groupColumns: ['g'] });
    expect([...table.labels!]).toEqual([1, 0, 0]);
    expect([...table.scores]).toEqual([0.9, 0.1, 0.3]);
    expect(table.groups.g!.values).toEqual(['a', '', '7']);
  });

  it('names the line and column of a bad score', async () => {
    const file = await writeTemp('p.ndjson', '{"label":1,"score":0.9}\n{"label":0,"score":null}\n');
    const error = await refusal(readPredictions(file, binary));
    expect(error.message).toMatch(new RegExp(`${file}:2, column "score": score is empty`));
  });

  it('names the line of invalid JSON and of a missing key', async () => {
    const bad = await writeTemp('a.jsonl', '{"label":1,"score":0.9}\n{"label":0,\n');
    expect((await refusal(readPredictions(bad, binary))).message).toMatch(/:2: is not valid JSON/);
    const missing = await writeTemp('b.jsonl', '{"label":1,"score":0.9}\n{"label":0}\n');
    expect((await refusal(readPredictions(missing, binary))).message).toMatch(
      /:2, column "score": missing column/,
    );
  });

  it('names the first line with a third class', async () => {
    const file = await writeTemp(
      'c.jsonl',
      '{"label":1,"score":0.9}\n{"label":0,"score":0.1}\n{"label":3,"score":0.2}\n',
    );
    expect((await refusal(readPredictions(file, binary))).message).toMatch(
      /:3, column "label": label "3"/,
    );
  });
});
