import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkMediaType, maxMediaTypeLength } from './media-type.js';

/**
 * RFC 9110's grammar written out as a regular expression, independently of the scanner: fine
 * for the short strings generated here (its optional parameter backtracks on long hostile ones).
 */
const token = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const quoted = '"(?:[\\t \\x21\\x23-\\x5B\\x5D-\\x7E]|\\\\[\\t \\x21-\\x7E])*"';
const reference = new RegExp(
  `^${token}/${token}(?:[ \\t]*;[ \\t]*(?:${token}=(?:${token}|${quoted}))?)*$`,
);

describe('checkMediaType', () => {
  it('accepts media types with parameters, quoted values and empty parameters', () => {
    for (const value of [
      'text/csv',
      'application/vnd.cyclonedx+json',
      'text/plain; charset=utf-8',
      'text/plain;charset="utf-8"',
      'multipart/mixed; boundary="a b\\"c"',
      'text/plain;',
      'text/plain ; ; format=flowed',
      `a/${'b'.repeat(maxMediaTypeLength - 2)}`,
    ])
      expect(checkMediaType(value), value).toBeUndefined();
  });

  it('refuses header injection, non-ASCII, stray text and overlong values, saying where', () => {
    expect(checkMediaType('text/plain\r\nSet-Cookie: pwned=1')).toBe(
      'character 11 is U+000D where ";" before a parameter should be',
    );
    expect(checkMediaType('text/€uro')).toBe(
      'character 6 is U+20AC where a subtype (such as csv) should be',
    );
    expect(checkMediaType('x'.repeat(8000))).toBe('it is 8000 characters long, over the 255 kept');
    expect(checkMediaType(`a/${'b'.repeat(maxMediaTypeLength - 1)}`)).toMatch(/over the 255/);
    expect(checkMediaType('')).toBe('it ends where a type (such as text) should follow');
    expect(checkMediaType('text')).toBe('it ends where "/" after the type should follow');
    expect(checkMediaType('text/')).toMatch(/a subtype/);
    expect(checkMediaType('text/plain ')).toMatch(/";" before a parameter/);
    expect(checkMediaType('text/plain; charset')).toMatch(/"=" after the parameter name/);
    expect(checkMediaType('text/plain; charset=')).toMatch(/a parameter value/);
    expect(checkMediaType('text/plain; charset="utf-8')).toMatch(/never closed/);
    expect(checkMediaType('text/plain; x="é"')).toMatch(/U\+00E9 where a quoted visible/);
    expect(checkMediaType('text/plain; x="a\\\n"')).toMatch(/an escaped visible character/);
    expect(checkMediaType('text /plain')).toMatch(/character 5 is U\+0020/);
  });

  it('agrees with the RFC grammar as a regular expression, and never throws', () => {
    const unit = fc.constantFrom(
      ...['a', 'Z', '0', '/', ';', '=', '"', '\\', ' ', '\t', '+', '.', '-', '(', '\r', 'é', '€'],
    );
    const text = fc.array(unit, { maxLength: 24 }).map((units) => units.join(''));
    const shaped = fc
      .tuple(text, text)
      .map(([a, b]) => `text/plain${a}${b.length % 2 ? '' : `;${b}`}`);
    fc.assert(
      fc.property(fc.oneof(text, shaped), (value) => {
        expect(checkMediaType(value) === undefined, JSON.stringify(value)).toBe(
          reference.test(value),
        );
      }),
      { numRuns: 2000 },
    );
  });
});
