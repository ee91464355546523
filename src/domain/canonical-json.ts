/**
 * RFC 8785 JSON Canonicalization Scheme (JCS). Audit entries and policy digests hash these bytes,
 * so the same value must always produce the same text, whatever order its keys were built in.
 */

/**
 * Serialises `value` per RFC 8785: object keys sorted by UTF-16 code units (§3.2.3), numbers in
 * ECMAScript `Number.prototype.toString` form (§3.2.2.3, so `-0` → `0`, `1e21` → `1e+21`),
 * strings escaped as `JSON.stringify` does (§3.2.2.2), no whitespace.
 *
 * Object properties whose value is `undefined` are omitted, as `JSON.stringify` omits them.
 * Throws an `Error` naming the JSON path for anything I-JSON (RFC 7493) cannot carry: NaN,
 * ±Infinity, `undefined` in an array or at the top, lone surrogates, bigint, functions, symbols,
 * cycles, and objects that are not plain (Date, Map, class instances…).
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, undefined, new Set());
}

/**
 * Where a value sits, from the top: built into a `$.a[0].b` path only when an error names it.
 * Building that text for every member was a third of the serialiser's time on the audit path.
 */
interface Place {
  readonly parent: Place | undefined;
  readonly step: string | number;
}

function pathOf(place: Place | undefined): string {
  if (place === undefined) return '$';
  const { parent, step } = place;
  return typeof step === 'number' ? `${pathOf(parent)}[${step}]` : `${pathOf(parent)}.${step}`;
}

function serialise(value: unknown, place: Place | undefined, ancestors: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) {
        throw new Error(
          `canonicalJson: ${pathOf(place)} is ${value}; JSON has no representation for it`,
        );
      }
      // ECMAScript number serialisation is exactly what RFC 8785 §3.2.2.3 prescribes.
      return JSON.stringify(value);
    case 'string':
      assertWellFormed(value, place, '');
      return JSON.stringify(value);
    case 'object':
      return serialiseObject(value, place, ancestors);
    default:
      throw new Error(
        `canonicalJson: ${pathOf(place)} is a ${typeof value}, which JSON cannot represent`,
      );
  }
}

function serialiseObject(value: object, place: Place | undefined, ancestors: Set<object>): string {
  if (ancestors.has(value))
    throw new Error(`canonicalJson: ${pathOf(place)} refers back to itself`);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      let text = '[';
      for (let index = 0; index < value.length; index++) {
        const item: unknown = value[index];
        if (item === undefined) {
          throw new Error(
            `canonicalJson: ${pathOf({ parent: place, step: index })} is undefined; use null instead`,
          );
        }
        if (index > 0) text += ',';
        text += serialise(item, { parent: place, step: index }, ancestors);
      }
      return `${text}]`;
    }
    if (!isPlainObject(value)) {
      const kind = value.constructor?.name ?? 'exotic object';
      throw new Error(`canonicalJson: ${pathOf(place)} is a ${kind}, not a plain object`);
    }
    const record = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, which is the order §3.2.3 requires.
    const keys = Object.keys(record).sort();
    let text = '{';
    let first = true;
    for (const key of keys) {
      const member = record[key];
      if (member === undefined) continue;
      assertWellFormed(key, place, ' key');
      if (!first) text += ',';
      first = false;
      text += `${JSON.stringify(key)}:${serialise(member, { parent: place, step: key }, ancestors)}`;
    }
    return `${text}}`;
  } finally {
    ancestors.delete(value);
  }
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** I-JSON (RFC 7493 §2.1) forbids lone surrogates; hashing them would not be portable. */
function assertWellFormed(text: string, place: Place | undefined, what: string): void {
  // isWellFormed (ES2024) is several times faster than a /\p{Surrogate}/u scan on the audit hot path.
  if (!text.isWellFormed()) {
    throw new Error(`canonicalJson: ${pathOf(place)}${what} contains a lone UTF-16 surrogate`);
  }
}
