import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readPredictions } from '../../src/evidence/index.js';
import { writeTemp } from './helpers.js';

/** Writes a cell the way spreadsheet tools do: quoted when asked or when it must be. */
function cell(text: string, quote: boolean): string {
  return quote || /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const row = fc.record({
  label: fc.constantFrom(0, 1),
  score: fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer().map((n) => n / 1000),
  ),
  group: fc.string({ maxLength: 6 }),
  quote: fc.boolean(),
});

describe('readPredictions property', () => {
  it('returns exactly the numbers and strings written, for random quoted CSV tables', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 2, maxLength: 40 }),
        fc.boolean(),
        async (rows, crlf) => {
          // Both classes must be present or the reader rightly refuses the file.
          const table = rows.map((r, i) => ({ ...r, label: i < 2 ? i : r.label }));
          const eol = crlf ? '\r\n' : '\n';
          const text =
            `label,"score",group${eol}` +
            table
              .map((r) =>
                [
                  cell(String(r.label), r.quote),
                  cell(String(r.score), r.quote),
                  cell(r.group, r.quote),
                ].join(','),
              )
              .join(eol);
          const file = await writeTemp('prop.csv', text);
          const read = await readPredictions(file, {
            label: 'label',
            score: 'score',
            groupColumns: ['group'],
            task: 'binary-classification',
          });
          expect(read.rowCount).toBe(table.length);
          expect([...read.labels!]).toEqual(table.map((r) => r.label));
          // String() round-trips every double except the sign of -0, which CSV text cannot carry.
          expect([...read.scores]).toEqual(table.map((r) => Number(String(r.score))));
          const group = read.groups.group!;
          expect([...group.codes].map((c) => group.values[c])).toEqual(table.map((r) => r.group));
        },
      ),
      { numRuns: 150 },
    );
  });
});
