import { borrowScratch } from './scratch.js';

/** Row indices sorted by ascending score, computed once and reused by the weighted statistics. */
export interface ScoreOrder {
  order: Uint32Array;
  /**
   * Where each run of equal scores ends in `order` (exclusive, ascending; the last is n), so a
   * bootstrap replicate walks tie groups without comparing scores again.
   */
  groupEnds: Uint32Array;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Which 32-bit word of a float64 holds its low and high halves. */
export const LO = LITTLE_ENDIAN ? 0 : 1;
export const HI = LITTLE_ENDIAN ? 1 : 0;

/**
 * Throws on mismatched lengths or on a NaN score, which has no place in a ranking; callers must
 * clean or reject such rows before computing statistics.
 */
export function assertScores(labels: Uint8Array, scores: Float64Array): void {
  if (labels.length !== scores.length) {
    throw new RangeError(
      `Labels and scores differ in length (${labels.length} vs ${scores.length}); pass one label per score.`,
    );
  }
}

const keyWords = new Uint32Array(2);
const keyValue = new Float64Array(keyWords.buffer);

/**
 * The double whose sortable key (Herf's, as `sortScores` makes it) is `hi:lo`: positive keys have
 * the top bit set and only it flipped, negative ones every bit. Both zeros share one key, read as 0.
 */
export function scoreOfKey(hi: number, lo: number): number {
  const negative = (hi & 0x80000000) === 0;
  keyWords[HI] = negative ? ~hi : hi ^ 0x80000000;
  keyWords[LO] = negative ? ~lo : lo;
  return keyValue[0]!;
}

export function nanError(row: number): RangeError {
  return new RangeError(`Score at row ${row} is NaN; drop or impute it before ranking.`);
}

/**
 * 16-bit digits. Measured on 10M rows, 16-bit passes over the carried triples beat 11-bit or 8-bit
 * ones: the scatter is bound by bytes moved, not by bucket count.
 */
const RADIX = 65536;

/**
 * Below this many rows 8-bit digits are used instead: clearing and summing 65,536-entry
 * histograms costs more than the whole sort of a few thousand rows (a `clearance check`
 * sorts its evaluation set several times). The order is the same either way (a stable sort).
 */
const SMALL_SORT_ROWS = 65536;

/**
 * Runs of equal `hi` up to this long that are out of order by `lo` are insertion-sorted; longer
 * ones are radix-sorted by `lo` in 8-bit digits (at most 4 passes and 1,024 counters per run).
 */
const INSERTION_MAX_RUN = 64;

/** Scratch bytes per row needed by `sortScores`. */
export const SORT_BYTES_PER_ROW = 24;

/** Row indices (or tags) in `SortedScores.rows` keep the label in bit 31. */
export const ROW_MASK = 0x7fffffff;

/**
 * Scores in ascending order as sortable 64-bit keys `hi:lo` (equal keys ⇔ equal scores) with
 * `rows[k] = row | label << 31` carried along, so tie groups and classes are walked sequentially.
 * With `tags`, `sortScores` carries `tags[row]` in place of the row.
 */
export interface SortedScores {
  rows: Uint32Array;
  hi: Uint32Array;
  lo: Uint32Array;
}

/** What the first scatter reads: the scores (and their 32-bit words), labels and optional tags. */
interface SortSource {
  values: Float64Array;
  words: Uint32Array;
  labels: Uint8Array;
  tags: Uint32Array | undefined;
}

/**
 * The histograms of the digits of the sortable keys' high words (`bits` wide: 16 or 8), in one
 * read-only pass over the scores; throws on NaN. The key is Herf's: negatives have every bit
 * flipped, the rest the sign bit set (`h ^ (h >> 31 | 2^31)`), and ±0 is `2^31:0`.
 */
function countDigits(source: SortSource, counts: Uint32Array, bits: 8 | 16): void {
  const { values, words } = source;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) throw nanError(i);
    const raw = words[2 * i + HI]!;
    const h = v === 0 ? 0x80000000 : (raw ^ ((raw >> 31) | 0x80000000)) >>> 0;
    if (bits === 16) {
      counts[h & 0xffff]!++;
      counts[RADIX + (h >>> 16)]!++;
    } else {
      counts[h & 0xff]!++;
      counts[256 + ((h >>> 8) & 0xff)]!++;
      counts[512 + ((h >>> 16) & 0xff)]!++;
      counts[768 + (h >>> 24)]!++;
    }
  }
}

/**
 * The first scatter, straight from the scores: each row's key `hi:lo` (as in `countDigits`) and
 * packed row (`row | label << 31`, or its tag in place of the row) land as one triple at its
 * digit's place in `to`, so the keys are never written in row order and read back. The label bit
 * is a mask, not a branch: labels are random in row order.
 */
function scatterSource(
  source: SortSource,
  to: Uint32Array,
  shift: number,
  mask: number,
  offsets: Uint32Array,
): void {
  const { values, words, labels, tags } = source;
  for (let i = 0; i < values.length; i++) {
    let h = words[2 * i + HI]!;
    let l = words[2 * i + LO]!;
    if (values[i] === 0) {
      h = 0x80000000;
      l = 0;
    } else {
      const sign = h >> 31;
      h = (h ^ (sign | 0x80000000)) >>> 0;
      l = (l ^ sign) >>> 0;
    }
    const pos = 3 * offsets[(h >>> shift) & mask]!++;
    to[pos] = (tags === undefined ? i : tags[i]!) | ((-labels[i]! >> 31) & 0x80000000);
    to[pos + 1] = h;
    to[pos + 2] = l;
  }
}

/** `scatterSource` as the only pass: rows, hi and lo as three arrays over the bytes of `into`. */
function scatterSourceSplit(
  source: SortSource,
  into: Uint32Array,
  shift: number,
  mask: number,
  offsets: Uint32Array,
): SortedScores {
  const { values, words, labels, tags } = source;
  const out = splitViews(into);
  const { rows, hi, lo } = out;
  for (let i = 0; i < values.length; i++) {
    let h = words[2 * i + HI]!;
    let l = words[2 * i + LO]!;
    if (values[i] === 0) {
      h = 0x80000000;
      l = 0;
    } else {
      const sign = h >> 31;
      h = (h ^ (sign | 0x80000000)) >>> 0;
      l = (l ^ sign) >>> 0;
    }
    const pos = offsets[(h >>> shift) & mask]!++;
    rows[pos] = (tags === undefined ? i : tags[i]!) | ((-labels[i]! >> 31) & 0x80000000);
    hi[pos] = h;
    lo[pos] = l;
  }
  return out;
}

/**
 * Stable radix sort of float64 scores over the IEEE 754 bit pattern: negatives have all bits
 * flipped and the rest the sign bit set, so unsigned order is numeric order (Herf, "Radix tricks",
 * 2001); −0 becomes +0 so equal numbers tie. LSD passes order the rows by the high 32 bits of the
 * key (two 16-bit passes; four 8-bit passes below `SMALL_SORT_ROWS`; constant digits skipped),
 * then one sequential pass sorts each run of equal high words by the low word, which is most often
 * already in order or a handful of rows (a run is one tie group, or scores closer than 2^-20 of
 * their magnitude): half the scatter passes of sorting all 64 bits, and the same stable order.
 * Keys and rows (label in bit 31) travel together so later walks read memory sequentially; the
 * first pass computes them from the scores as it scatters (a read-only pass counts the digits
 * first), so they are never written out in row order and read back. Uses
 * `SORT_BYTES_PER_ROW` bytes per row of `scratch`; the result views point into it, and `tags`
 * (each below 2^31, e.g. what a walk of another score column stored per row) may lie in `scratch`
 * after those bytes. Throws on NaN; at most 2^31 − 1 rows.
 */
export function sortScores(
  values: Float64Array,
  labels: Uint8Array,
  scratch: ArrayBuffer,
  tags?: Uint32Array,
): SortedScores {
  const n = values.length;
  if (n > ROW_MASK) throw new RangeError('At most 2^31 − 1 scores can be sorted.');
  if (scratch.byteLength < SORT_BYTES_PER_ROW * n) throw new Error('Sort scratch is too small.');
  if (tags !== undefined && tags.length !== n) throw new Error('Sort tags need one per score.');
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  const source: SortSource = { values, words, labels, tags };
  const bits = n < SMALL_SORT_ROWS ? 8 : 16;
  const radix = 1 << bits;
  const passes = 32 / bits;
  const counts = new Uint32Array(passes * radix);
  countDigits(source, counts, bits);
  const active: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    if (!isConstantDigit(counts, pass * radix, radix, n)) active.push(pass);
  }
  // Rows and keys travel as one 12-byte triple, so a scatter writes one place per row, not three.
  let cur = new Uint32Array(scratch, 0, 3 * n);
  let next = new Uint32Array(scratch, 12 * n, 3 * n);
  const offsets = new Uint32Array(radix);
  let out: SortedScores | undefined;
  // Every digit constant: one pass in row order (all rows in bucket 0, whose offset is 0).
  if (active.length === 0) out = scatterSourceSplit(source, next, 0, 0, offsets);
  for (let k = 0; k < active.length; k++) {
    const pass = active[k]!;
    prefixOffsets(counts, pass * radix, radix, offsets);
    const shift = pass * bits;
    const last = k === active.length - 1;
    if (k === 0 && last) out = scatterSourceSplit(source, next, shift, radix - 1, offsets);
    else if (k === 0) scatterSource(source, cur, shift, radix - 1, offsets);
    // Word 1 of a triple is `hi`.
    else if (last) out = scatterSplit(cur, next, { word: 1, shift }, radix - 1, offsets);
    else {
      scatter(cur, next, { word: 1, shift }, radix - 1, offsets);
      [cur, next] = [next, cur];
    }
  }
  // The result lies in `next`; `cur` is free.
  sortRunsByLo(out!, cur);
  return out!;
}

/**
 * Sorts each run of equal `hi` in `sorted` by `lo`, stably; `temp` (≥ 2n
 * words, free) holds long runs while they are radix-sorted, `counters` (1,024 and 256 entries)
 * their digit counts.
 */
export function sortRunsByLo(
  sorted: SortedScores,
  temp: Uint32Array,
  counters: { counts: Uint32Array; offsets: Uint32Array } = {
    counts: new Uint32Array(1024),
    offsets: new Uint32Array(256),
  },
): void {
  const { rows, hi, lo } = sorted;
  const n = hi.length;
  const { counts, offsets } = counters;
  for (let start = 0; start < n; ) {
    const h = hi[start]!;
    let end = start + 1;
    let ordered = true;
    for (; end < n && hi[end] === h; end++) if (lo[end]! < lo[end - 1]!) ordered = false;
    if (!ordered) {
      if (end - start <= INSERTION_MAX_RUN) insertionByLo(rows, lo, start, end);
      else radixByLo({ rows, lo, start, end, temp, counts, offsets });
    }
    start = end;
  }
}

function insertionByLo(rows: Uint32Array, lo: Uint32Array, start: number, end: number): void {
  for (let i = start + 1; i < end; i++) {
    const l = lo[i]!;
    const r = rows[i]!;
    let j = i - 1;
    for (; j >= start && lo[j]! > l; j--) {
      lo[j + 1] = lo[j]!;
      rows[j + 1] = rows[j]!;
    }
    lo[j + 1] = l;
    rows[j + 1] = r;
  }
}

/** Stable LSD radix sort of `[start, end)` by `lo` in 8-bit digits, constant digits skipped. */
function radixByLo(run: {
  rows: Uint32Array;
  lo: Uint32Array;
  start: number;
  end: number;
  temp: Uint32Array;
  counts: Uint32Array;
  offsets: Uint32Array;
}): void {
  const { rows, lo, start, end, temp, counts, offsets } = run;
  const length = end - start;
  counts.fill(0);
  for (let i = start; i < end; i++) {
    const l = lo[i]!;
    counts[l & 0xff]!++;
    counts[256 + ((l >>> 8) & 0xff)]!++;
    counts[512 + ((l >>> 16) & 0xff)]!++;
    counts[768 + (l >>> 24)]!++;
  }
  let fromRows = rows.subarray(start, end);
  let fromLo = lo.subarray(start, end);
  let toRows = temp.subarray(0, length);
  let toLo = temp.subarray(length, 2 * length);
  let inTemp = false;
  for (let d = 0; d < 4; d++) {
    if (isConstantDigit(counts, 256 * d, 256, length)) continue;
    prefixOffsets(counts, 256 * d, 256, offsets);
    const shift = 8 * d;
    for (let i = 0; i < length; i++) {
      const l = fromLo[i]!;
      const pos = offsets[(l >>> shift) & 0xff]!++;
      toLo[pos] = l;
      toRows[pos] = fromRows[i]!;
    }
    [fromRows, toRows] = [toRows, fromRows];
    [fromLo, toLo] = [toLo, fromLo];
    inTemp = !inTemp;
  }
  if (inTemp) {
    rows.set(fromRows, start);
    lo.set(fromLo, start);
  }
}

/** One stable scatter pass of triples by the digit at `word >>> shift`. */
function scatter(
  from: Uint32Array,
  to: Uint32Array,
  digit: { word: number; shift: number },
  mask: number,
  offsets: Uint32Array,
): void {
  const { word, shift } = digit;
  for (let j = 0; j < from.length; j += 3) {
    const pos = 3 * offsets[(from[j + word]! >>> shift) & mask]!++;
    to[pos] = from[j]!;
    to[pos + 1] = from[j + 1]!;
    to[pos + 2] = from[j + 2]!;
  }
}

/** The last scatter pass, writing rows, hi and lo as three arrays over the bytes of `into`. */
function scatterSplit(
  from: Uint32Array,
  into: Uint32Array,
  digit: { word: number; shift: number },
  mask: number,
  offsets: Uint32Array,
): SortedScores {
  const out = splitViews(into);
  const { rows, hi, lo } = out;
  const { word, shift } = digit;
  for (let j = 0; j < from.length; j += 3) {
    const pos = offsets[(from[j + word]! >>> shift) & mask]!++;
    rows[pos] = from[j]!;
    hi[pos] = from[j + 1]!;
    lo[pos] = from[j + 2]!;
  }
  return out;
}

function splitViews(into: Uint32Array): SortedScores {
  const n = into.length / 3;
  const view = (k: number) => new Uint32Array(into.buffer, into.byteOffset + 4 * n * k, n);
  return { rows: view(0), hi: view(1), lo: view(2) };
}

/** Rows in `[start, end)` of a sorted run share one score; returns `end`. */
export function tieGroupEnd(sorted: SortedScores, start: number): number {
  const { hi, lo } = sorted;
  const h = hi[start]!;
  const l = lo[start]!;
  let end = start + 1;
  while (end < hi.length && hi[end] === h && lo[end] === l) end++;
  return end;
}

/** Whether every key has the same digit in this pass (the pass can be skipped). */
export function isConstantDigit(
  counts: Uint32Array,
  base: number,
  radix: number,
  n: number,
): boolean {
  for (let d = 0; d < radix; d++) {
    const c = counts[base + d]!;
    if (c === n) return true;
    if (c !== 0) return false;
  }
  return n === 0;
}

/** Exclusive prefix sums of one pass's histogram. */
export function prefixOffsets(
  counts: Uint32Array,
  base: number,
  radix: number,
  out: Uint32Array,
): void {
  let sum = 0;
  for (let d = 0; d < radix; d++) {
    out[d] = sum;
    sum += counts[base + d]!;
  }
}

/**
 * The ascending order of `scores` by LSD radix sort on the float64 bits (O(n), see `sortScores`);
 * ties keep row order. Throws on NaN.
 */
export function scoreOrder(scores: Float64Array): ScoreOrder {
  const n = scores.length;
  const sorted = sortScores(scores, new Uint8Array(n), borrowScratch(n));
  const ends = new Uint32Array(n);
  let groups = 0;
  for (let k = 0; k < n; ) {
    k = tieGroupEnd(sorted, k);
    ends[groups++] = k;
  }
  return { order: sorted.rows.slice(), groupEnds: ends.slice(0, groups) };
}
