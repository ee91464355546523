/**
 * Number parsing straight from bytes, so 10 M rows never become 10 M strings.
 * The fast path is Clinger's: an integer mantissa below 2^53 divided by an exact power of ten
 * is correctly rounded by IEEE division, so the result equals `Number(text)` bit for bit.
 * Anything else (exponents, 16+ digits, spaces) falls back to `Number()` behind a strict
 * decimal pattern, because `Number()` alone accepts `0x1F`, `''` and `Infinity`.
 */

const DIGIT_0 = 48;
const DOT = 46;
const MINUS = 45;
const PLUS = 43;
const MAX_FAST_DIGITS = 15;
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
  let pos = start;
  let negative = false;
  const first = bytes[pos];
  if (first === MINUS || first === PLUS) {
    negative = first === MINUS;
    pos++;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  let sawDot = false;
  let sawDigit = false;
  for (; pos < end; pos++) {
    const c = bytes[pos]!;
    const d = c - DIGIT_0;
    if (d >= 0 && d <= 9) {
      sawDigit = true;
      // Leading zeros do not use up precision.
      if (mantissa !== 0 || d !== 0) digits++;
      mantissa = mantissa * 10 + d;
      if (sawDot) fraction++;
    } else if (c === DOT && !sawDot) {
      sawDot = true;
    } else {
      return parseDecimalSlow(bytes, start, end);
    }
  }
  if (!sawDigit) return parseDecimalSlow(bytes, start, end);
  if (digits > MAX_FAST_DIGITS || fraction > 22) return parseDecimalSlow(bytes, start, end);
  const value = fraction === 0 ? mantissa : mantissa / POW10[fraction]!;
  return negative ? -value : value;
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
