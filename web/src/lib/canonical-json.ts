/**
 * RFC 8785 (JCS) canonical JSON, for recomputing audit leaf hashes in the browser: keys sorted by
 * UTF-16 code units, ECMAScript number form, `JSON.stringify` string escapes, no whitespace. Only
 * values that came from `JSON.parse` reach it, so it needs no checks for functions or cycles;
 * non-finite numbers and lone surrogates (which the server refuses to log) throw.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`canonicalJson: ${value} is not JSON`);
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined)
      .map((key) => `${quote(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  throw new Error(`canonicalJson: a ${typeof value} is not JSON`);
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function quote(text: string): string {
  if (loneSurrogate.test(text)) throw new Error('canonicalJson: a string has a lone surrogate');
  return JSON.stringify(text);
}
