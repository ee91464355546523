import { assertScores, scoreOrder } from './score-order.js';

/**
 * The ascending score order cut into blocks for resampled rank statistics: a block is a run of
 * consecutive tie groups that all hold one class, or a single tie group holding both. Each row's
 * code is `2 · block + label`, so a resample's drawn rows are counted per block and class in one
 * scatter (`countDrawnByBlock`), and AUC and KS walk those counts (`aucFromBlockCounts`,
 * `ksFromBlockCounts`): fewer steps than tie groups (about a third on the credit-risk example),
 * sequential, and with the same result as walking every tie group (see each walk).
 */
export interface RankBlocks {
  codes: Uint32Array;
  blocks: number;
}

/**
 * Above this many rows each tie group is a block of its own: KS over merged runs relies on two
 * distinct gaps differing by more than their rounding, which holds while (n/2)² ≤ 2^48.
 */
const MERGE_MAX_ROWS = 2 ** 25;

/** The rank blocks of `scores` (label: non-zero is positive). O(n) after a radix argsort. */
export function rankBlocks(labels: Uint8Array, scores: Float64Array): RankBlocks {
  assertScores(labels, scores);
  const { order, groupEnds } = scoreOrder(scores);
  const merge = scores.length <= MERGE_MAX_ROWS;
  const codes = new Uint32Array(scores.length);
  let block = -1;
  let previous = -1; // the class of the block so far: 0 or 1 when pure, 2 when mixed
  let k = 0;
  for (let g = 0; g < groupEnds.length; g++) {
    const start = k;
    const end = groupEnds[g]!;
    let kind = labels[order[k]!] === 0 ? 0 : 1;
    for (; k < end; k++) if ((labels[order[k]!] === 0 ? 0 : 1) !== kind) kind = 2;
    if (!merge || kind === 2 || kind !== previous) block++;
    previous = kind;
    for (let j = start; j < end; j++) {
      const row = order[j]!;
      codes[row] = 2 * block + (labels[row] === 0 ? 0 : 1);
    }
  }
  return { codes, blocks: block + 1 };
}

/**
 * Counts the drawn rows (a resample of at most n rows) per block and class into `counts` (length
 * 2 · blocks: negatives at 2b, positives at 2b + 1), which is cleared first; a row drawn k times
 * counts k times. Returns how many positives were drawn.
 */
export function countDrawnByBlock(
  codes: Uint32Array,
  rows: Uint32Array,
  counts: Int32Array,
): number {
  if (rows.length > codes.length) throw new RangeError('A resample has at most one draw per row.');
  counts.fill(0);
  let positives = 0;
  for (let i = 0; i < rows.length; i++) {
    const code = codes[rows[i]!]!;
    counts[code]!++;
    positives += code & 1;
  }
  return positives;
}
