/**
 * SQL LIKE for MLflow's search filters: `%` any run (empty included), `_` one UTF-16 code unit,
 * everything else literal (no escape character, as MLflow's SQLAlchemy `like()` on SQLite).
 * A pattern is compiled once per request: split on `%` into segments, each of fixed length. The
 * first segment is anchored at the start, the last at the end, and each middle one is taken at
 * its leftmost match after the previous one — optimal for fixed-length segments, since an earlier
 * match leaves every later segment more room. A segment without `_` is found by `indexOf`, one with
 * `_` by a Shift-And automaton built at compile time. No backtracking and no allocation per row
 * (but one `toLowerCase` for ILIKE); `likeLimits` bound the pattern, so a row costs a few passes
 * over the value at most.
 */

/** Far above MLflow users' prefixes and substrings; they bound the cost per row (ADR 038). */
export const likeLimits = { patternLength: 256, wildcards: 16 } as const;

/**
 * A segment with `_` as a Shift-And automaton (Baeza-Yates–Gonnet): bit i of the state says
 * whether the segment's first i + 1 units match ending here. Words of 32 bits, so a row costs
 * value length × ⌈segment length / 32⌉ word operations whatever the text, never a rescan.
 */
interface ShiftAnd {
  /** Per code unit in the segment: the positions it (or `_`) fills. */
  readonly masks: ReadonlyMap<number, Uint32Array>;
  /** The positions `_` fills, for units the segment does not name. */
  readonly anyMask: Uint32Array;
  /** The state, reused by every row (matching is synchronous). */
  readonly state: Uint32Array;
}

export interface LikePattern {
  readonly ignoreCase: boolean;
  /** The `%`-separated segments (at least one); without `%`, the one segment is the whole value. */
  readonly segments: readonly string[];
  /** Each segment's automaton, for those with `_`. */
  readonly automata: readonly (ShiftAnd | undefined)[];
}

/** Why a LIKE/ILIKE pattern is refused, or undefined when it is within `likeLimits`. */
export function likePatternProblem(pattern: string): string | undefined {
  const wildcards = pattern.split('%').length - 1;
  if (pattern.length <= likeLimits.patternLength && wildcards <= likeLimits.wildcards)
    return undefined;
  return (
    `A LIKE or ILIKE pattern may have at most ${likeLimits.patternLength} characters and ` +
    `${likeLimits.wildcards} '%' wildcards; this one has ${pattern.length} and ${wildcards}: ` +
    'match on a shorter prefix or substring'
  );
}

export function compileLike(pattern: string, ignoreCase: boolean): LikePattern {
  const segments = (ignoreCase ? pattern.toLowerCase() : pattern).split('%');
  return { ignoreCase, segments, automata: segments.map(shiftAndOf) };
}

function shiftAndOf(segment: string): ShiftAnd | undefined {
  if (!segment.includes('_')) return undefined;
  const words = Math.ceil(segment.length / 32);
  const anyMask = new Uint32Array(words);
  for (let i = 0; i < segment.length; i++)
    if (segment[i] === '_') anyMask[i >>> 5] = (anyMask[i >>> 5] ?? 0) | (1 << (i & 31));
  const masks = new Map<number, Uint32Array>();
  for (let i = 0; i < segment.length; i++) {
    const unit = segment.charCodeAt(i);
    if (unit === 95 /* _ */) continue;
    const mask = masks.get(unit) ?? Uint32Array.from(anyMask);
    mask[i >>> 5] = (mask[i >>> 5] ?? 0) | (1 << (i & 31));
    masks.set(unit, mask);
  }
  return { masks, anyMask, state: new Uint32Array(words) };
}

/** The leftmost start in [from, to - length] where the automaton's segment matches, or -1. */
function shiftAndFind(
  value: string,
  automaton: ShiftAnd,
  length: number,
  range: [number, number],
): number {
  const { masks, anyMask, state } = automaton;
  state.fill(0);
  const lastWord = (length - 1) >>> 5;
  const lastBit = 1 << ((length - 1) & 31);
  for (let at = range[0]; at < range[1]; at++) {
    const mask = masks.get(value.charCodeAt(at)) ?? anyMask;
    let carry = 1;
    for (let w = 0; w <= lastWord; w++) {
      const word = state[w] ?? 0;
      state[w] = ((word << 1) | carry) & (mask[w] ?? 0);
      carry = word >>> 31;
    }
    if (((state[lastWord] ?? 0) & lastBit) !== 0) return at - length + 1;
  }
  return -1;
}

/** Whether `segment` matches `value` at `at` (`_` matching any one code unit). */
function matchesAt(value: string, at: number, segment: string): boolean {
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c !== 95 /* _ */ && c !== value.charCodeAt(at + i)) return false;
  }
  return true;
}

/** The leftmost position in [from, to - segment.length] where segment `i` matches, or -1. */
function findSegment(
  value: string,
  pattern: LikePattern,
  i: number,
  range: [number, number],
): number {
  const segment = pattern.segments[i] ?? '';
  const automaton = pattern.automata[i];
  if (automaton !== undefined) return shiftAndFind(value, automaton, segment.length, range);
  const at = value.indexOf(segment, range[0]);
  return at !== -1 && at <= range[1] - segment.length ? at : -1;
}

export function matchesLike(input: string, pattern: LikePattern): boolean {
  const value = pattern.ignoreCase ? input.toLowerCase() : input;
  const { segments } = pattern;
  const first = segments[0] ?? '';
  if (segments.length === 1) return value.length === first.length && matchesAt(value, 0, first);
  const lastSegment = segments[segments.length - 1] ?? '';
  const end = value.length - lastSegment.length;
  if (end < first.length || !matchesAt(value, 0, first) || !matchesAt(value, end, lastSegment))
    return false;
  let at = first.length;
  for (let i = 1; i < segments.length - 1; i++) {
    const found = findSegment(value, pattern, i, [at, end]);
    if (found === -1) return false;
    at = found + (segments[i] ?? '').length;
  }
  return true;
}
