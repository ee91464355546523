/**
 * A page of the stored audit log packed into two strings, what a store reads in one statement of
 * one row: `audit verify` of a million entries then builds no object per row on either side of
 * the driver, and hashes each entry's stored bytes straight out of one buffer per page. Measured
 * (bench/results/audit-before-after.md, session 9): reading and hashing a row this way costs
 * about a fifth less CPU than one row object per entry.
 *
 * The packing is only a faster way to read what the rows say. A page that is not exactly the rows
 * asked for (a seq missing or moved, rows out of seq order, a text holding a raw newline, a leaf
 * hash of the wrong length or not hex, an entry whose bytes do not hash to its stored leaf hash)
 * is not judged here: {@link leafHashesOfPage} answers `undefined` and the verifier reads the
 * same seqs again as rows and walks them one by one, so the verdict is the row walk's.
 */
import { hash } from 'node:crypto';
import { hashSize } from './merkle.js';

/** Separates entries in {@link StoredAuditPage.texts}: RFC 8785 text never holds a raw newline. */
export const pageSeparator = '\n';

/**
 * The stored rows with seq in [from, to), packed (module comment), each part in the same row
 * order: the order the store fed its aggregate, which the seq list shows.
 */
export interface StoredAuditPage {
  /** Each row's seq column, in decimal, joined by commas. */
  seqs: string;
  /** Each row's stored text (its leaf input), joined by {@link pageSeparator}. */
  texts: string;
  /** Each row's stored hex leaf hash, joined by commas (so each row's own column is checked). */
  leafHashes: string;
}

/** One stored row, as {@link packStoredRows} takes it. */
interface PackableRow {
  seq: number;
  text: string;
  leafHash: string;
}

/** Rows packed as a store packs them: for stores that hold rows as objects (the in-memory fake). */
export function packStoredRows(rows: readonly PackableRow[]): StoredAuditPage {
  return {
    seqs: rows.map((row) => row.seq).join(','),
    texts: rows.map((row) => row.text).join(pageSeparator),
    leafHashes: rows.map((row) => row.leafHash).join(','),
  };
}

/** `from,from+1,…,to-1`: what {@link StoredAuditPage.seqs} is for a page read in order. */
function seqList(from: number, to: number): string {
  const seqs: number[] = new Array(to - from);
  for (let seq = from; seq < to; seq++) seqs[seq - from] = seq;
  return seqs.join(',');
}

const comma = ','.charCodeAt(0);

/** Reused: each page's texts are encoded into it once (grown when a page needs more). */
let scratch = Buffer.alloc(1 << 20);

/**
 * The leaf hashes (RFC 9162 §2.1.1, SHA-256(0x00 ‖ stored text)) of a page that holds exactly
 * seqs [from, to) with every entry hashing to its stored leaf hash; otherwise `undefined`, and the
 * caller reads the rows one by one.
 */
export function leafHashesOfPage(
  page: StoredAuditPage,
  from: number,
  to: number,
): Uint8Array[] | undefined {
  const count = to - from;
  // The rows are exactly seqs from … to − 1 in that order: texts and leaf hashes fed to the
  // aggregate in another order would still match each other, but not their positions.
  const hexSize = 2 * hashSize;
  if (count <= 0 || page.leafHashes.length !== (hexSize + 1) * count - 1) return undefined;
  if (page.seqs !== seqList(from, to)) return undefined;
  // Each row's own column is exactly one hex hash: characters moved between neighbouring rows'
  // columns would keep a plain concatenation whole, and the row walk refuses them.
  const stored = Buffer.alloc(hashSize * count);
  for (let k = 0; k < count; k++) {
    const at = k * (hexSize + 1);
    if (k > 0 && page.leafHashes.charCodeAt(at - 1) !== comma) return undefined;
    const column = page.leafHashes.slice(at, at + hexSize);
    if (stored.write(column, k * hashSize, hashSize, 'hex') !== hashSize) return undefined;
  }
  // Each entry's bytes are preceded by one byte (the separator before it, or byte 0 for the
  // first), overwritten with the 0x00 leaf prefix: the leaf input is then one slice, hashed as is.
  const most = 1 + 3 * page.texts.length;
  if (most > scratch.length) scratch = Buffer.alloc(most);
  const bytes = scratch.subarray(0, 1 + scratch.write(page.texts, 1, 'utf8'));
  const separator = pageSeparator.charCodeAt(0);
  const leaves: Uint8Array[] = new Array(count);
  let start = 0;
  for (let k = 0; k < count; k++) {
    const next = bytes.indexOf(separator, start + 1);
    const last = k === count - 1;
    if (last ? next !== -1 : next === -1) return undefined;
    const end = last ? bytes.length : next;
    bytes[start] = 0x00;
    const leaf = hash('sha256', bytes.subarray(start, end), 'buffer');
    if (stored.compare(leaf, 0, hashSize, k * hashSize, (k + 1) * hashSize) !== 0) return undefined;
    leaves[k] = leaf;
    start = end;
  }
  return leaves;
}
