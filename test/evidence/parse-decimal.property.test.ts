import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseDecimal,
  parseDecimalInto,
  parseDecimalText,
} from '../../src/evidence/parse-decimal.js';

/** parseDecimal reads bytes inside a larger buffer; the oracle is the strict text parser. */
function expectSameAsText(text: string): void {
  const bytes = Buffer.from(`x,${text},y`, 'latin1');
  const parsed = parseDecimal(bytes, 2, 2 + Buffer.byteLength(text, 'latin1'));
  expect(Object.is(parsed, parseDecimalText(text))).toBe(true);
}

const digits = (max: number) =>
  fc.array(fc.constantFrom('0', '1', '5', '9'), { maxLength: max }).map((d) => d.join(''));

describe('parseDecimal (bytes) equals the strict text parser bit for bit', () => {
  it('on decimals: signs, leading zeros, 0 to 30 digits each side, bare dots', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('', '-', '+'),
        digits(30),
        fc.constantFrom('', '.'),
        digits(30),
        (sign, integer, dot, fraction) => expectSameAsText(`${sign}${integer}${dot}${fraction}`),
      ),
      { numRuns: 2000 },
    );
  });
  it('on doubles printed by JavaScript, fixed and exponent forms', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.integer({ min: 0, max: 20 }), (x, places) => {
        expectSameAsText(String(x));
        if (Math.abs(x) < 1e21) expectSameAsText(x.toFixed(places));
      }),
      { numRuns: 2000 },
    );
  });
  it('on text that is not a plain decimal', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('1', '.', '-', '+', 'e', ' ', 'x', '0', 'N', 'a', 'I'), {
          maxLength: 12,
        }),
        (chars) => expectSameAsText(chars.join('')),
      ),
      { numRuns: 2000 },
    );
    for (const text of ['', '.', '-', '1..2', '1.2.3', '0x1F', 'Infinity', 'NaN', ' 1', '1 '])
      expectSameAsText(text);
  });
});

describe('parseDecimalInto stores what parseDecimal returns and says whether it is finite', () => {
  it('on decimals, doubles and non-decimals', () => {
    const out = new Float64Array(3);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double().map(String),
          fc.double({ noNaN: true, min: -1e20, max: 1e20 }).map((x) => x.toFixed(7)),
          fc.constantFrom('', '-', '.5', '1e999', 'NaN', 'x', '9007199254740993.5'),
        ),
        fc.integer({ min: 0, max: 2 }),
        (text, at) => {
          const bytes = Buffer.from(`x,${text},y`, 'latin1');
          const end = 2 + Buffer.byteLength(text, 'latin1');
          const expected = parseDecimal(bytes, 2, end);
          expect(parseDecimalInto(bytes, 2, end, out, at)).toBe(Number.isFinite(expected));
          expect(Object.is(out[at], expected)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
