/**
 * One pass per byte for the common predictions row: unquoted fields, labels 0/1, plain decimals,
 * group values already in the dictionary. Each number is accumulated while its field's end is
 * being found, instead of splitting the record into spans first and reading the digits again
 * (the parse was ~1.3 s of CPU at 10 M rows, a third of `clearance eval`). Anything else (a quote,
 * an exponent, a new group value, a field too many, a record cut by the buffer) ends the run at
 * that record's start, and the general scanner takes it: every refusal and every value comes from
 * the same code as before, and a fast row yields exactly what the general path would.
 */

import type { FastRecords } from './csv-record-scanner.js';
import type { PredictionColumns } from './prediction-columns.js';

const ZERO = 48;
const ONE = 49;
const COMMA = 44;
const DOT = 46;
const MINUS = 45;
const PLUS = 43;
const LF = 10;
const CR = 13;
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** What a column is to the fast path. */
const SKIP = 0;
const LABEL = 1;
const TARGET = 2;
const SCORE = 3;
const BASELINE = 4;
/** Group column g is `GROUP + g`. */
const GROUP = 5;

/** Column positions from the header, as `readCsvPredictions` resolves them. */
export interface FastLayout {
  width: number;
  label: number;
  score: number;
  baseline: number;
  id: number;
  groups: number[];
  /** Per group column, the byte forms of its values (see `addGroupValue`). */
  groupBytes: Buffer[][];
}

export class CsvFastRows implements FastRecords {
  taken = 0;
  #roles: Uint8Array | undefined;
  #known: Buffer[][] = [];
  #codes = new Int32Array(0);

  constructor(private readonly out: PredictionColumns) {}

  /**
   * Turns the fast path on for `layout`, unless a column plays two roles or ids are kept (a
   * string per row gains nothing from it).
   */
  configure(layout: FastLayout): void {
    if (layout.id >= 0) return;
    const roles = new Uint8Array(layout.width);
    const claim = (column: number, role: number): boolean => {
      if (column < 0 || roles[column] !== SKIP) return false;
      roles[column] = role;
      return true;
    };
    let ok = claim(layout.label, this.out.labels ? LABEL : TARGET) && claim(layout.score, SCORE);
    if (this.out.baseline) ok &&= claim(layout.baseline, BASELINE);
    layout.groups.forEach((column, g) => {
      ok &&= GROUP + g < 256 && claim(column, GROUP + g);
    });
    if (!ok) return;
    this.#roles = roles;
    this.#known = layout.groupBytes;
    this.#codes = new Int32Array(layout.groups.length);
  }

  take(buf: Buffer, start: number, end: number): number {
    this.taken = 0;
    const roles = this.#roles;
    if (roles === undefined || !this.#dictionariesMatchable()) return start;
    const out = this.out;
    const known = this.#known;
    const codes = this.#codes;
    const width = roles.length;
    let pos = start;
    let taken = 0;
    rows: while (pos < end) {
      let p = pos;
      let label = 0;
      let target = 0;
      let score = 0;
      let baseline = 0;
      for (let col = 0; col < width; col++) {
        const role = roles[col]!;
        if (role === LABEL) {
          const c = buf[p];
          if (c !== ZERO && c !== ONE) break rows;
          label = c - ZERO;
          p++;
        } else if (role >= TARGET && role <= BASELINE) {
          // parseDecimalInto's fast path, digit for digit, so the value is the same double.
          let negative = false;
          const first = buf[p];
          if (first === MINUS || first === PLUS) {
            negative = first === MINUS;
            p++;
          }
          let mantissa = 0;
          const integerStart = p;
          for (; p < end; p++) {
            const d = buf[p]! - ZERO;
            if (d < 0 || d > 9) break;
            mantissa = mantissa * 10 + d;
          }
          let digits = p - integerStart;
          let fraction = 0;
          if (p < end && buf[p] === DOT) {
            const fractionStart = ++p;
            for (; p < end; p++) {
              const d = buf[p]! - ZERO;
              if (d < 0 || d > 9) break;
              mantissa = mantissa * 10 + d;
            }
            fraction = p - fractionStart;
            digits += fraction;
          }
          if (digits === 0 || mantissa > Number.MAX_SAFE_INTEGER || fraction > 22) break rows;
          const magnitude = fraction === 0 ? mantissa : mantissa / POW10[fraction]!;
          const value = negative ? -magnitude : magnitude;
          if (role === SCORE) score = value;
          else if (role === BASELINE) baseline = value;
          else target = value;
        } else {
          const fieldStart = p;
          // Comma, CR, LF and the quote are all below 45: most bytes take one test.
          while (p < end && buf[p]! > COMMA) p++;
          if (p < end && buf[p] !== COMMA && buf[p] !== LF && buf[p] !== CR) break rows;
          if (role >= GROUP) {
            const code = matchKnown(known[role - GROUP]!, buf, fieldStart, p);
            if (code < 0) break rows;
            codes[role - GROUP] = code;
          }
        }
        if (p >= end) break rows;
        const c = buf[p];
        if (col < width - 1) {
          if (c !== COMMA) break rows;
          p++;
        } else if (c === LF) p++;
        else if (c === CR && p + 1 < end && buf[p + 1] === LF) p += 2;
        else break rows;
      }
      if (out.labels) out.pushLabel(label);
      else out.targets!.push(target);
      out.scores.push(score);
      if (out.baseline) out.baseline.push(baseline);
      for (let g = 0; g < codes.length; g++) out.groups[g]!.pushCode(codes[g]!);
      out.rows++;
      taken++;
      pos = p;
    }
    this.taken = taken;
    return pos;
  }

  /**
   * Group values are matched on raw bytes only while every dictionary value has its bytes in
   * `known`; once one does not (a quoted value, or more than `SMALL_DICTIONARY`), it never will
   * again, and the general path decodes each value.
   */
  #dictionariesMatchable(): boolean {
    for (let g = 0; g < this.#codes.length; g++) {
      if (this.#known[g]!.length !== this.out.groups[g]!.values.length) {
        this.#roles = undefined;
        return false;
      }
    }
    return true;
  }
}

/** The code of the known value equal to `buf[start, end)`, or -1. */
function matchKnown(known: Buffer[], buf: Buffer, start: number, end: number): number {
  const length = end - start;
  for (let v = 0; v < known.length; v++) {
    const candidate = known[v]!;
    if (candidate.length !== length) continue;
    let k = 0;
    while (k < length && candidate[k] === buf[start + k]) k++;
    if (k === length) return v;
  }
  return -1;
}
