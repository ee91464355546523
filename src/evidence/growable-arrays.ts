/**
 * Append-only typed arrays that double when full, so a column of 10 M values costs 8 or 1 bytes
 * a row instead of a boxed JS number.
 */

import type { CategoryCodes } from '../domain/index.js';
import { parseDecimalInto } from './parse-decimal.js';

export class GrowableFloat64 {
  private data: Float64Array;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Float64Array(Math.max(16, initialCapacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = value;
  }

  /**
   * Parses the decimal in `bytes[start, end)` straight into the next slot (see `parseDecimalInto`:
   * no boxed number per value). Appends and returns true when it is a finite decimal; otherwise
   * appends nothing and returns false.
   */
  pushDecimal(bytes: Uint8Array, start: number, end: number): boolean {
    if (this.length === this.data.length) this.grow();
    if (!parseDecimalInto(bytes, start, end, this.data, this.length)) return false;
    this.length++;
    return true;
  }

  private grow(): void {
    const next = new Float64Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
  }

  /** Right-sized; copies only when more than a fifth would be slack, since copying 80 MB costs. */
  toArray(): Float64Array {
    return trim(this.data, this.length);
  }
}

export class GrowableUint8 {
  private data: Uint8Array;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Uint8Array(Math.max(16, initialCapacity));
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Uint8Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  toArray(): Uint8Array {
    return trim(this.data, this.length);
  }
}

/** Dictionary-encodes a categorical column: each distinct string is stored once. */
export class DictionaryBuilder {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  /** Widened (copied) when the 257th and the 65,537th value arrive: see `CategoryCodes`. */
  private codes: CategoryCodes;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.codes = new Uint8Array(Math.max(16, initialCapacity));
  }

  push(value: string): void {
    let code = this.index.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.index.set(value, code);
      if (code === 0x100 || code === 0x10000) {
        this.codes = codesFor(code, this.codes.length, this.codes.subarray(0, this.length));
      }
    }
    this.pushCode(code);
  }

  /** Appends a code already known to be in the dictionary (the caller's cache hit). */
  pushCode(code: number): void {
    if (this.length === this.codes.length) {
      this.codes = codesFor(this.values.length - 1, this.codes.length * 2, this.codes);
    }
    this.codes[this.length++] = code;
  }

  lastCode(): number {
    return this.codes[this.length - 1]!;
  }

  toColumn(): { values: string[]; codes: CategoryCodes } {
    return { values: [...this.values], codes: trim(this.codes, this.length) };
  }
}

/** An array of `capacity` codes up to `maxCode`, starting with `from`. */
function codesFor(maxCode: number, capacity: number, from: CategoryCodes): CategoryCodes {
  const next =
    maxCode > 0xffff
      ? new Uint32Array(capacity)
      : maxCode > 0xff
        ? new Uint16Array(capacity)
        : new Uint8Array(capacity);
  next.set(from);
  return next;
}

function trim<T extends Float64Array | CategoryCodes>(data: T, length: number): T {
  return (length >= data.length * 0.8 ? data.subarray(0, length) : data.slice(0, length)) as T;
}
