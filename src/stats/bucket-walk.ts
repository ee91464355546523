import {
  HI,
  isConstantDigit,
  LO,
  nanError,
  prefixOffsets,
  type SortedScores,
  sortRunsByLo,
} from './score-order.js';

/**
 * Bits of the first digit: at most 4,096 buckets, so a scatter keeps few enough write streams
 * open for the TLB and L2 (measured on 10 M scores: 65,536 buckets scatter 2–3× slower).
 */
const BUCKET_BITS = 12;

/**
 * Width of a digit when a bucket is sorted in cache: 2,048 counters per pass, and at most two
 * passes, since a bucket's high words span less than 2^(32 − BUCKET_BITS) = 2^20.
 */
const LEAF_DIGIT_BITS = 11;

/**
 * A bucket whose high words span at most this many bits, with at least a quarter as many rows as
 * digit values, is sorted in one pass of 8,192 counters instead of two of ≤ 2,048: scores in
 * [0, 1] span ~25 bits, so the 12-bit buckets that hold most rows have 13 left.
 */
const WIDE_DIGIT_BITS = 13;

/** Buckets this small are insertion-sorted. */
const INSERTION_ROWS = 24;

/** Takes the ascending order in segments that never split a tie group (`PlacementWalk`). */
export interface SegmentWalk {
  segment(rows: Uint32Array, hi: Uint32Array, lo: Uint32Array, length: number): void;
}

/**
 * How one column splits into buckets: a bucket holds the keys whose high word `h` has
 * `(h − min) >>> shift` as its index, so buckets are key ranges in ascending order.
 */
export interface BucketPlan {
  min: number;
  shift: number;
  counts: Uint32Array;
  /** Rows in the largest bucket. */
  largest: number;
}

/** 32-bit words of scratch `walkInBuckets` needs for a plan (buffer and in-cache sort space). */
export function bucketScratchWords(plan: BucketPlan): number {
  let rows = 0;
  for (let d = 0; d < plan.counts.length; d++) rows += plan.counts[d]!;
  return 3 * (rows + plan.largest);
}

/**
 * The buckets of one score column, in two read-only passes: the range of the scores (compared as
 * doubles: the sortable key is monotone in the value), then the count per bucket. Keys as in
 * `sortScores` (Herf's; ±0 is `2^31:0`); a NaN throws, naming its row as `sortScores` does.
 * Comparing doubles instead of keying every row in the first pass: ~25% fewer instructions for
 * the plan (callgrind, 1 M rows).
 */
export function planBuckets(values: Float64Array): BucketPlan {
  const n = values.length;
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) throw nanError(i);
    if (v < low) low = v;
    if (v > high) high = v;
  }
  const { min, shift, counts } = rangePlan(low, high, n);
  for (let i = 0; i < n; i++) {
    const raw = words[2 * i + HI]!;
    const h = values[i] === 0 ? 0x80000000 : (raw ^ ((raw >> 31) | 0x80000000)) >>> 0;
    counts[(h - min) >>> shift]!++;
  }
  return { min, shift, counts, largest: largestOf(counts) };
}

/**
 * `planBuckets` of two score columns of the same rows, and how many of the rows are labelled
 * positive, in two passes that each read both columns instead of two passes per column and one
 * more over the labels: the same plans. Each of these loops runs once per `clearance eval`, so
 * fewer of them also means fewer loops that V8 compiles on the fly (on-stack replacement). A NaN
 * throws as `planBuckets(a)` and then `planBuckets(b)` would: A's first, else B's.
 */
export function planPair(input: { labels: Uint8Array; a: Float64Array; b: Float64Array }): {
  positives: number;
  a: BucketPlan;
  b: BucketPlan;
} {
  const { labels, a, b } = input;
  const n = a.length;
  if (b.length !== n || labels.length !== n) throw new Error('Paired columns differ in length.');
  let lowA = Number.POSITIVE_INFINITY;
  let highA = Number.NEGATIVE_INFINITY;
  let lowB = Number.POSITIVE_INFINITY;
  let highB = Number.NEGATIVE_INFINITY;
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) throw nanError(firstNaN(a, i));
    if (x < lowA) lowA = x;
    if (x > highA) highA = x;
    if (y < lowB) lowB = y;
    if (y > highB) highB = y;
    positives += labels[i] === 0 ? 0 : 1;
  }
  const planA = rangePlan(lowA, highA, n);
  const planB = rangePlan(lowB, highB, n);
  const { min: minA, shift: shiftA, counts: countsA } = planA;
  const { min: minB, shift: shiftB, counts: countsB } = planB;
  const wordsA = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  const wordsB = new Uint32Array(b.buffer, b.byteOffset, 2 * n);
  for (let i = 0; i < n; i++) {
    const rawA = wordsA[2 * i + HI]!;
    const hA = a[i] === 0 ? 0x80000000 : (rawA ^ ((rawA >> 31) | 0x80000000)) >>> 0;
    countsA[(hA - minA) >>> shiftA]!++;
    const rawB = wordsB[2 * i + HI]!;
    const hB = b[i] === 0 ? 0x80000000 : (rawB ^ ((rawB >> 31) | 0x80000000)) >>> 0;
    countsB[(hB - minB) >>> shiftB]!++;
  }
  return {
    positives,
    a: { ...planA, largest: largestOf(countsA) },
    b: { ...planB, largest: largestOf(countsB) },
  };
}

/**
 * The row `planBuckets(a)` and then `planBuckets(b)` would name, when row `i` is the first with a
 * NaN in either column: A's first NaN, else row `i` (B's first).
 */
function firstNaN(a: Float64Array, i: number): number {
  if (Number.isNaN(a[i]!)) return i;
  for (let j = i + 1; j < a.length; j++) if (Number.isNaN(a[j]!)) return j;
  return i;
}

/** Bucket bounds and empty counts for keys from `low` to `high` (both 0 when there are no rows). */
function rangePlan(
  low: number,
  high: number,
  rows: number,
): { min: number; shift: number; counts: Uint32Array } {
  const min = highWordKey(rows === 0 ? 0 : low);
  const max = highWordKey(rows === 0 ? 0 : high);
  const shift = Math.max(0, 32 - Math.clz32(max - min) - BUCKET_BITS);
  return { min, shift, counts: new Uint32Array(((max - min) >>> shift) + 1) };
}

function largestOf(counts: Uint32Array): number {
  let largest = 0;
  for (let d = 0; d < counts.length; d++) largest = Math.max(largest, counts[d]!);
  return largest;
}

/** The high word of the sortable key of a non-NaN double. */
function highWordKey(v: number): number {
  if (v === 0) return 0x80000000;
  const raw = new Uint32Array(new Float64Array([v]).buffer)[HI]!;
  return (raw ^ ((raw >> 31) | 0x80000000)) >>> 0;
}

/**
 * Walks a score column in ascending order (ties in row order), the same order `sortScores`
 * gives, bucket by bucket: one most-significant-digit scatter puts each row's triple (entry, hi,
 * lo) in its bucket (a key range), then each bucket is sorted while it sits in L2 (LSD passes over
 * the rest of the high word, then runs of equal high words by the low word) and handed to `walk`
 * at once, so the whole order is never written out and read back. Entries are
 * `row | label << 31`, or `tags[row]` in place of the row. `scratch` holds at least
 * `bucketScratchWords(plan)` words: 12 bytes a row and 12 per row of the largest bucket, against
 * 24 a row for `sortScores` (fresh pages cost ~3 ms per MB to fault in on the VMs we measure on).
 * Measured on 10 M scores, scattering in several passes into a smaller buffer cost more in
 * re-reading the scores than it saved in page faults.
 */
export function walkInBuckets(input: {
  values: Float64Array;
  labels: Uint8Array;
  tags?: Uint32Array;
  plan: BucketPlan;
  scratch: Uint32Array;
  walk: SegmentWalk;
}): void {
  const { values, labels, tags, plan, scratch, walk } = input;
  const n = values.length;
  if (tags !== undefined && tags.length !== n) throw new Error('Sort tags need one per score.');
  if (scratch.length < bucketScratchWords(plan)) throw new Error('Bucket scratch is too small.');
  const { counts } = plan;
  const triples = scratch.subarray(0, 3 * n);
  const offsets = new Uint32Array(counts.length);
  prefixOffsets(counts, 0, counts.length, offsets);
  scatterTriples({ values, labels, tags, plan, offsets, into: triples });
  const leaf = new Leaf(scratch.subarray(3 * n), walk);
  let base = 0;
  for (let d = 0; d < counts.length; d++) {
    const size = counts[d]!;
    if (size > 0) leaf.sortAndWalk(triples, base, size);
    base += 3 * size;
  }
}

/**
 * The scatter: each row's sortable key `hi:lo` (as in `planBuckets`) and entry land as one triple
 * at its bucket's next place, so a bucket's rows stay in row order.
 */
function scatterTriples(input: {
  values: Float64Array;
  labels: Uint8Array;
  tags: Uint32Array | undefined;
  plan: BucketPlan;
  offsets: Uint32Array;
  into: Uint32Array;
}): void {
  const { values, labels, tags, offsets, into } = input;
  const { min, shift } = input.plan;
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * values.length);
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
    const pos = 3 * offsets[(h - min) >>> shift]!++;
    into[pos] = (tags === undefined ? i : tags[i]!) | ((-labels[i]! >> 31) & 0x80000000);
    into[pos + 1] = h;
    into[pos + 2] = l;
  }
}

/** Sorts one bucket in cache and walks it; `space` holds 3 words per row of the largest bucket. */
class Leaf {
  readonly #counts = new Uint32Array(Math.max(2 << LEAF_DIGIT_BITS, 1 << WIDE_DIGIT_BITS));
  readonly #offsets = new Uint32Array(Math.max(1 << LEAF_DIGIT_BITS, 1 << WIDE_DIGIT_BITS));
  readonly #runCounters = { counts: new Uint32Array(1024), offsets: new Uint32Array(256) };

  constructor(
    private readonly space: Uint32Array,
    private readonly walk: SegmentWalk,
  ) {}

  /** Sorts the `size` triples at `triples[base…]` stably by (hi, lo) and walks them. */
  sortAndWalk(triples: Uint32Array, base: number, size: number): void {
    const a = soa(this.space, 0, size);
    // The bucket's own triples are free once read: the second array of a ping-pong.
    const b = soa(triples, base, size);
    let min = 0xffffffff;
    let max = 0;
    for (let j = base + 1; j < base + 3 * size; j += 3) {
      const h = triples[j]!;
      if (h < min) min = h;
      if (h > max) max = h;
    }
    if (size <= INSERTION_ROWS || min === max) {
      for (let j = 0; j < size; j++) {
        a.rows[j] = triples[base + 3 * j]!;
        a.hi[j] = triples[base + 3 * j + 1]!;
        a.lo[j] = triples[base + 3 * j + 2]!;
      }
      if (size <= INSERTION_ROWS) insertionByKey(a, size);
      else sortRunsByLo(a, triples.subarray(base, base + 3 * size), this.#runCounters);
      this.walk.segment(a.rows, a.hi, a.lo, size);
      return;
    }
    const bits = 32 - Math.clz32(max - min);
    const passes =
      bits <= WIDE_DIGIT_BITS && size >= 1 << (bits - 2) ? 1 : Math.ceil(bits / LEAF_DIGIT_BITS);
    const width = Math.ceil(bits / passes);
    const radix = 1 << width;
    const mask = radix - 1;
    const counts = this.#counts;
    counts.fill(0, 0, passes * radix);
    for (let j = base + 1; j < base + 3 * size; j += 3) {
      const k = triples[j]! - min;
      for (let p = 0; p < passes; p++) counts[p * radix + ((k >>> (p * width)) & mask)]!++;
    }
    let from: SortedScores | undefined;
    let to = a;
    for (let p = 0; p < passes; p++) {
      if (isConstantDigit(counts, p * radix, radix, size)) continue;
      prefixOffsets(counts, p * radix, radix, this.#offsets);
      if (from === undefined)
        this.#fromTriples(triples, base, size, { to, min, shift: p * width, mask });
      else this.#fromArrays(from, size, { to, min, shift: p * width, mask });
      from = to;
      to = to === a ? b : a;
    }
    // The top digit of a non-empty range is never constant, so `from` is set; `to` is free.
    const sorted = from!;
    sortRunsByLo(
      sorted,
      to === a ? this.space.subarray(0, 3 * size) : triples.subarray(base, base + 3 * size),
      this.#runCounters,
    );
    this.walk.segment(sorted.rows, sorted.hi, sorted.lo, size);
  }

  #fromTriples(
    triples: Uint32Array,
    base: number,
    size: number,
    digit: { to: SortedScores; min: number; shift: number; mask: number },
  ): void {
    const { to, min, shift, mask } = digit;
    const offsets = this.#offsets;
    for (let j = base; j < base + 3 * size; j += 3) {
      const h = triples[j + 1]!;
      const pos = offsets[((h - min) >>> shift) & mask]!++;
      to.rows[pos] = triples[j]!;
      to.hi[pos] = h;
      to.lo[pos] = triples[j + 2]!;
    }
  }

  #fromArrays(
    from: SortedScores,
    size: number,
    digit: { to: SortedScores; min: number; shift: number; mask: number },
  ): void {
    const { to, min, shift, mask } = digit;
    const offsets = this.#offsets;
    for (let j = 0; j < size; j++) {
      const h = from.hi[j]!;
      const pos = offsets[((h - min) >>> shift) & mask]!++;
      to.rows[pos] = from.rows[j]!;
      to.hi[pos] = h;
      to.lo[pos] = from.lo[j]!;
    }
  }
}

/** Rows, hi and lo as three arrays of `size` over `words[base…base + 3·size)`. */
function soa(words: Uint32Array, base: number, size: number): SortedScores {
  return {
    rows: words.subarray(base, base + size),
    hi: words.subarray(base + size, base + 2 * size),
    lo: words.subarray(base + 2 * size, base + 3 * size),
  };
}

/** Stable insertion sort of the first `size` entries by (hi, lo). */
function insertionByKey(s: SortedScores, size: number): void {
  const { rows, hi, lo } = s;
  for (let i = 1; i < size; i++) {
    const r = rows[i]!;
    const h = hi[i]!;
    const l = lo[i]!;
    let j = i - 1;
    for (; j >= 0 && (hi[j]! > h || (hi[j] === h && lo[j]! > l)); j--) {
      rows[j + 1] = rows[j]!;
      hi[j + 1] = hi[j]!;
      lo[j + 1] = lo[j]!;
    }
    rows[j + 1] = r;
    hi[j + 1] = h;
    lo[j + 1] = l;
  }
}
