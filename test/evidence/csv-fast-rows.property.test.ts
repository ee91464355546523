import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diskEvidenceFiles, type EvidenceFiles } from '../../src/evidence/evidence-files.js';
import { readPredictions } from '../../src/evidence/index.js';
import { writeTemp } from './helpers.js';

/** Disk files whose reads return at most `cap` bytes, so records straddle every chunk boundary. */
function shortReads(cap: number): EvidenceFiles {
  return {
    ...diskEvidenceFiles,
    async open(file) {
      const handle = await diskEvidenceFiles.open(file);
      return {
        size: handle.size,
        read: (buffer, offset, length, position) =>
          handle.read(buffer, offset, Math.min(length, cap), position),
        close: () => handle.close(),
      };
    },
  };
}

/** Cells the one-pass row reader takes, and cells it must hand to the general scanner. */
const label = fc.oneof(
  fc.constantFrom({ text: '0', value: 0 }, { text: '1', value: 1 }),
  fc.constantFrom(
    { text: 'true', value: 1 },
    { text: ' 0', value: 0 },
    { text: '"1"', value: 1 },
    { text: '1.0', value: 1 },
  ),
);
const score = fc.oneof(
  fc.integer({ min: -1e9, max: 1e9 }).map((n) => (n / 1e6).toFixed(6)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.constantFrom('1.', '.5', '-0', '+0.25', ' 0.5', '"0.75"', '9007199254740993', '1e-3'),
  fc.constantFrom('0.1234567890123456789012345', '123456789012345678'),
);
const group = fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.string({ maxLength: 4 }));
const note = fc.oneof(
  fc.constantFrom('', 'x', 'long note'),
  fc.constantFrom('"q,uoted"', '"a""b"'),
);
const row = fc.record({ label, score, baseline: score, group, note });

/** What the file's text means: `Number` on the trimmed decimal, the group as written. */
function unquote(text: string): string {
  return text.startsWith('"') ? text.slice(1, -1).replaceAll('""', '"') : text;
}

describe('one-pass CSV rows', () => {
  it('reads the same columns as the general scanner, across chunk boundaries and mixed rows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 2, maxLength: 60 }),
        fc.constantFrom('\n', '\r\n'),
        fc.integer({ min: 1, max: 80 }),
        fc.boolean(),
        async (rows, eol, cap, trailing) => {
          const table = rows.map((r, i) =>
            i < 2 ? { ...r, label: { text: String(i), value: i } } : r,
          );
          const text =
            `note,label,score,baseline_score,group${eol}` +
            table
              .map((r) =>
                [
                  r.note,
                  r.label.text,
                  r.score,
                  r.baseline,
                  /[",\r\n]/.test(r.group) ? `"${r.group.replaceAll('"', '""')}"` : r.group,
                ].join(','),
              )
              .join(eol) +
            (trailing ? eol : '');
          const file = await writeTemp('fast.csv', text);
          const read = await readPredictions(file, {
            label: 'label',
            score: 'score',
            baselineScore: 'baseline_score',
            groupColumns: ['group'],
            task: 'binary-classification',
            files: shortReads(cap),
          });
          expect(read.rowCount).toBe(table.length);
          expect([...read.labels!]).toEqual(table.map((r) => r.label.value));
          expect([...read.scores]).toEqual(table.map((r) => Number(unquote(r.score))));
          expect([...read.baselineScores!]).toEqual(table.map((r) => Number(unquote(r.baseline))));
          const g = read.groups.group!;
          expect([...g.codes].map((c) => g.values[c])).toEqual(table.map((r) => r.group));
          expect(g.values).toEqual([...new Set(table.map((r) => r.group))]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
