/**
 * Runtime values. Errors are values too, so `&&` and `||` can absorb them as CEL does
 * (`false && <error>` is false) and nothing ever throws out of an evaluation.
 */

export class ExprError {
  constructor(
    readonly message: string,
    readonly column: number,
  ) {}
}

export type Value =
  | number
  | string
  | boolean
  | null
  | readonly Value[]
  | { readonly [field: string]: Value | ExprError };

export type Result = Value | ExprError;

export const isError = (value: unknown): value is ExprError => value instanceof ExprError;

export function isMap(value: Result): value is { readonly [field: string]: Value | ExprError } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isError(value);
}

export function typeName(value: Result): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (isError(value)) return 'error';
  if (typeof value === 'object') return 'map';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

/** Structural equality; values of different types are simply unequal. */
export function valuesEqual(a: Value, b: Value): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item: Value, i: number) => valuesEqual(item, b[i] as Value));
  }
  if (isMap(a) || isMap(b)) {
    if (!isMap(a) || !isMap(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => {
      const x = a[k];
      const y = b[k];
      return x !== undefined && y !== undefined && !isError(x) && !isError(y) && valuesEqual(x, y);
    });
  }
  return a === b;
}

/**
 * Evidence (parsed JSON, lineage) as expression values. NaN, which stands for an undefined
 * metric, becomes an error value so that using it is an error and never a silent number.
 */
export function toValue(input: unknown, what: string, depth = 0): Value | ExprError {
  if (typeof input === 'number') {
    return Number.isFinite(input) ? input : new ExprError(`is undefined (${input})`, 0);
  }
  if (typeof input === 'string' || typeof input === 'boolean' || input === null) return input;
  if (depth > 32) return new ExprError(`${what} is nested too deeply`, 0);
  if (Array.isArray(input)) {
    const items: Value[] = [];
    for (const [i, item] of input.entries()) {
      const value = toValue(item, `${what}[${i}]`, depth + 1);
      if (isError(value)) return value;
      items.push(value);
    }
    return items;
  }
  if (typeof input === 'object') {
    const map: Record<string, Value | ExprError> = {};
    for (const [key, item] of Object.entries(input)) {
      map[key] = toValue(item, `${what}.${key}`, depth + 1);
    }
    return map;
  }
  return null;
}
