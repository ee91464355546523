import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('canonicalJson (RFC 8785)', () => {
  it('serialises the §3.2.2 sample object', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units (§3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const keys = Object.keys(JSON.parse(canonicalJson(input)));
    expect(keys).toEqual(['1', '\r', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
    expect(canonicalJson(input).startsWith('{"\\r":"Carriage Return","1":"One"')).toBe(true);
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555555', '333333333.3333333'],
  ])('writes the IEEE 754 value %s as %s (Appendix B)', (bits, text) => {
    expect(canonicalJson(fromBits(bits))).toBe(text);
  });

  it.each([
    [1e21, '1e+21'],
    [1e20, '100000000000000000000'],
    [1e-7, '1e-7'],
    [-0, '0'],
    [Number('333333333.33333329'), '333333333.3333333'],
  ])('writes %d as %s', (value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it('omits undefined properties like JSON.stringify and writes no whitespace', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: undefined }], a: 'x y' })).toBe(
      '{"a":"x y","b":[1,{"d":2}]}',
    );
  });

  it.each([
    [Number.NaN, /NaN/],
    [Number.POSITIVE_INFINITY, /Infinity/],
    [{ a: [1, undefined] }, /\$\.a\[1\] is undefined/],
    [undefined, /undefined/],
    [{ when: new Date(0) }, /\$\.when is a Date, not a plain object/],
    [new Map(), /Map/],
    [{ n: 10n }, /bigint/],
    [{ f: () => 1 }, /function/],
    ['\ud800', /lone UTF-16 surrogate/],
    [{ a: [{ b: 'x\udc00' }] }, /\$\.a\[0\]\.b contains a lone UTF-16 surrogate/],
    [{ a: { 'k\ud800': 1 } }, /\$\.a key contains a lone UTF-16 surrogate/],
    [{ a: [[Number.NaN]] }, /\$\.a\[0\]\[0\] is NaN/],
  ])('rejects %o with a clear error', (value, message) => {
    expect(() => canonicalJson(value)).toThrow(message);
  });

  it('rejects cycles instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/refers back to itself/);
  });

  it('accepts objects without a prototype and repeated (non-cyclic) references', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.z = 1;
    const shared = { k: true };
    expect(canonicalJson({ bare, x: [shared, shared] })).toBe(
      '{"bare":{"z":1},"x":[{"k":true},{"k":true}]}',
    );
  });

  const json = fc.jsonValue({ noUnicodeString: false }) as fc.Arbitrary<unknown>;

  it('is a fixed point: canonicalising the parsed output changes nothing', () => {
    fc.assert(
      fc.property(json, (value) => {
        const once = canonicalJson(value);
        expect(canonicalJson(JSON.parse(once))).toBe(once);
      }),
    );
  });

  it('ignores key insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(record));
      }),
    );
  });

  it('agrees with JSON.parse on the value it denotes', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});
