import { describe, expect, it } from 'vitest';
import { readPredictions } from '../../src/evidence/index.js';
import { writeTemp } from './helpers.js';

const options = {
  label: 'label',
  score: 'score',
  groupColumns: ['g'],
  task: 'binary-classification' as const,
};

/** A CSV whose group column cycles through `distinct` values, each row `label,score,g<k>`. */
async function groupsFile(rows: number, distinct: number): Promise<string> {
  const lines = ['label,score,g'];
  for (let i = 0; i < rows; i++) lines.push(`${i % 2},0.${i % 10},g${(i * 7) % distinct}`);
  return writeTemp('groups.csv', `${lines.join('\n')}\n`);
}

describe('group codes (CSV)', () => {
  it('keeps codes in the narrowest array, widening at the 257th and 65,537th value', async () => {
    for (const [distinct, kind] of [
      [256, Uint8Array],
      [257, Uint16Array],
      [65_537, Uint32Array],
    ] as const) {
      const rows = Math.max(1_000, 2 * distinct);
      const table = await readPredictions(await groupsFile(rows, distinct), options);
      const group = table.groups.g!;
      expect(group.codes).toBeInstanceOf(kind);
      expect(group.values).toHaveLength(distinct);
      const decoded = Array.from(group.codes, (c) => group.values[c]);
      expect(decoded).toEqual(Array.from({ length: rows }, (_, i) => `g${(i * 7) % distinct}`));
    }
  });
});
