/**
 * Number parsing straight from bytes, so 10 M rows never become 10 M strings.
 * The fast path is Clinger's: an integer mantissa below 2^53 divided by an exact power of ten
 * is correctly rounded by IEEE division, so the result equals `Number(text)` bit for bit.
 * Anything else (exponents, mantissas of 2^53 or more, spaces) falls back to `Number()` behind a strict
 * decimal pattern, because `Number()` alone accepts `0x1F`, `''` and `Infinity`.
 */

const DIGIT_0 = 48;
const DOT = 46;
const MINUS = 45;
const PLUS = 43;
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
// `\d+(?:\.\d*)?`, not `\d+\.?\d*`: the latter splits a digit run two ways and was quadratic
// on a long run of digits followed by a letter. Anchored, no ambiguous split: linear.
const DECIMAL = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/**
 * Parses a decimal number in `bytes[start, end)`. Returns `NaN` when the text is not a plain
 * decimal (including the words NaN and Infinity); may return ±Infinity on overflow (`1e999`),
 * which callers reject as non-finite.
 */
export function parseDecimal(bytes: Uint8Array, start: number, end: number): number {
  parseDecimalInto(bytes, start, end, SCRATCH, 0);
  return SCRATCH[0]!;
}

const SCRATCH = new Float64Array(1);

/**
 * `parseDecimal` that stores the value in `out[at]` and returns whether it is finite. A double
 * returned from a call V8 does not inline is boxed (a 16-byte heap number): for the 20 M scores
 * of a 10 M-row file that was ~320 MB of garbage and ~40 scavenges. A store into a Float64Array
 * and a boolean result allocate nothing.
 */
export function parseDecimalInto(
  bytes: Uint8Array,
  start: number,
  end: number,
  out: Float64Array,
  at: number,
): boolean {
  let pos = start;
  let negative = false;
  const first = bytes[pos];
  if (first === MINUS || first === PLUS) {
    negative = first === MINUS;
    pos++;
  }
  // Integer digits, then fraction digits: two tight loops instead of one with a state per byte.
  let mantissa = 0;
  const integerStart = pos;
  for (; pos < end; pos++) {
    const d = bytes[pos]! - DIGIT_0;
    if (d < 0 || d > 9) break;
    mantissa = mantissa * 10 + d;
  }
  const integerDigits = pos - integerStart;
  let fraction = 0;
  if (pos < end && bytes[pos] === DOT) {
    const fractionStart = ++pos;
    for (; pos < end; pos++) {
      const d = bytes[pos]! - DIGIT_0;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
    }
    fraction = pos - fractionStart;
  }
  if (pos !== end || integerDigits + fraction === 0) return slowInto(bytes, start, end, out, at);
  // Each partial sum is below the final one and rounding is monotone, so a mantissa below 2^53
  // here was accumulated exactly: Clinger's condition, checked once instead of counting digits.
  if (mantissa > Number.MAX_SAFE_INTEGER || fraction > 22) {
    return slowInto(bytes, start, end, out, at);
  }
  // Always finite: a mantissa below 2^53 over a power of ten.
  const value = fraction === 0 ? mantissa : mantissa / POW10[fraction]!;
  out[at] = negative ? -value : value;
  return true;
}

function slowInto(
  bytes: Uint8Array,
  start: number,
  end: number,
  out: Float64Array,
  at: number,
): boolean {
  const value = parseDecimalSlow(bytes, start, end);
  out[at] = value;
  return Number.isFinite(value);
}

export function parseDecimalText(text: string): number {
  return DECIMAL.test(text) ? Number(text) : Number.NaN;
}

function parseDecimalSlow(bytes: Uint8Array, start: number, end: number): number {
  // latin1 is enough: a valid decimal is ASCII, and anything else fails the pattern anyway.
  return parseDecimalText(
    Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1'),
  );
}
