/**
 * RFC 4180 record splitter over byte chunks. It never decodes text: it reports each record as
 * field spans into the current buffer, and the caller parses only the columns it needs.
 * Records may span chunks; the unfinished tail is carried into the next chunk.
 */
import { evidenceError } from './evidence-error.js';

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Field kinds in `CsvFields.kind`. */
export const PLAIN = 0;
const QUOTED = 1;
/** Quoted and containing `""`, which must be unescaped when decoded. */
const ESCAPED = 2;

export interface CsvFields {
  starts: Int32Array;
  ends: Int32Array;
  kind: Uint8Array;
  count: number;
}

/** `record` is 0 for the header, then the 1-based data row. */
export type CsvRecordHandler = (buf: Buffer, fields: CsvFields, record: number) => void;

/**
 * A reader's own pass over data records it can take whole without field spans (`CsvFastRows`).
 * `take` consumes complete records from `buf[start, end)`, sets `taken` to how many, and returns
 * where the first record it left starts; the scanner reads that one the general way.
 */
export interface FastRecords {
  taken: number;
  take(buf: Buffer, start: number, end: number): number;
}

export function decodeField(buf: Buffer, fields: CsvFields, i: number): string {
  const text = buf.toString('utf8', fields.starts[i], fields.ends[i]);
  return fields.kind[i] === ESCAPED ? text.replaceAll('""', '"') : text;
}

export class CsvRecordScanner {
  readonly #fields: CsvFields = {
    starts: new Int32Array(64),
    ends: new Int32Array(64),
    kind: new Uint8Array(64),
    count: 0,
  };
  #record = 0;

  constructor(
    private readonly file: string,
    private readonly onRecord: CsvRecordHandler,
    private readonly fast?: FastRecords,
  ) {}

  /** Records emitted so far, header included. */
  get records(): number {
    return this.#record;
  }

  /**
   * Emits every complete record in `buf`; returns where the unfinished one starts. With `last`,
   * the end of `buf` ends the final record.
   */
  scan(buf: Buffer, last: boolean): number {
    return this.#scan(buf, last);
  }

  #grow(): void {
    const f = this.#fields;
    const size = f.starts.length * 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const kind = new Uint8Array(size);
    starts.set(f.starts);
    ends.set(f.ends);
    kind.set(f.kind);
    f.starts = starts;
    f.ends = ends;
    f.kind = kind;
  }

  #scan(buf: Buffer, last: boolean): number {
    const n = buf.length;
    const f = this.#fields;
    const fast = this.fast;
    let pos = 0;
    while (pos < n) {
      if (fast !== undefined && this.#record > 0) {
        pos = fast.take(buf, pos, n);
        this.#record += fast.taken;
        if (pos === n) break;
      }
      const recordStart = pos;
      let count = 0;
      for (;;) {
        if (count === f.starts.length) this.#grow();
        let c = pos < n ? buf[pos]! : -1;
        if (c === QUOTE) {
          let p = pos + 1;
          let kind = QUOTED;
          let closed = false;
          while (p < n) {
            const q = buf.indexOf(QUOTE, p);
            if (q === -1) break;
            if (q + 1 < n && buf[q + 1] === QUOTE) {
              kind = ESCAPED;
              p = q + 2;
              continue;
            }
            // A quote at the very end might be the first half of "" continued in the next chunk.
            if (q + 1 === n && !last) break;
            p = q;
            closed = true;
            break;
          }
          if (!closed) {
            if (!last) return recordStart;
            throw this.#syntaxError('a quoted field is never closed');
          }
          f.starts[count] = pos + 1;
          f.ends[count] = p;
          f.kind[count] = kind;
          count++;
          pos = p + 1;
          c = pos < n ? buf[pos]! : -1;
          if (c !== COMMA && c !== LF && c !== CR && c !== -1) {
            throw this.#syntaxError(
              'a closing quote is followed by text instead of a comma or line end',
            );
          }
        } else {
          let p = pos;
          while (p < n) {
            c = buf[p]!;
            // Comma, CR and LF are all below 45: digits, '.', '-' and letters take one test.
            if (c > COMMA) {
              p++;
              continue;
            }
            if (c === COMMA || c === LF || c === CR) break;
            p++;
          }
          if (p === n) c = -1;
          f.starts[count] = pos;
          f.ends[count] = p;
          f.kind[count] = PLAIN;
          count++;
          pos = p;
        }
        if (c === COMMA) {
          pos++;
          continue;
        }
        if (c === LF) {
          pos++;
          break;
        }
        if (c === CR) {
          if (pos + 1 < n) {
            pos += buf[pos + 1] === LF ? 2 : 1;
            break;
          }
          if (!last) return recordStart;
          pos++;
          break;
        }
        if (!last) return recordStart;
        break;
      }
      // Blank lines are skipped rather than read as a one-field record.
      if (count === 1 && f.kind[0] === PLAIN && f.starts[0] === f.ends[0]) continue;
      f.count = count;
      this.onRecord(buf, f, this.#record);
      this.#record++;
    }
    return n;
  }

  #syntaxError(what: string): Error {
    const where =
      this.#record === 0 ? { file: this.file, line: 1 } : { file: this.file, row: this.#record };
    return evidenceError(
      where,
      `${what} (RFC 4180 CSV).`,
      'Quote fields containing commas, quotes or line breaks with "…", and double any quote inside them ("").',
    );
  }
}
