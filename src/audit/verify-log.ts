/**
 * Offline verification of a whole audit log in one streaming pass (RFC 9162 §2.1.1 roots, C2SP
 * signed-note/tlog-checkpoint signatures). Memory is O(log n) plus the checkpoints.
 *
 * Why entries are stored as `{entry, leafHash}`: a signed checkpoint proves that the first `size`
 * entries hash to its root, but a mismatching root only says "something in this range changed".
 * Binary search cannot narrow it without a trusted hash per entry. So each entry's leaf hash is
 * recorded when it is appended (and is covered by every later checkpoint). Then:
 * - an entry edited behind the service's back no longer matches its stored leaf hash: the
 *   verifier names that entry's seq;
 * - an entry edited *and* given a recomputed leaf hash leaves every stored hash self-consistent,
 *   but the recomputed root differs from the first checkpoint signed after it: the verifier names
 *   the first seq after the last checkpoint that still matched (the edit lies in that range);
 * - a deleted or moved entry breaks the contiguous seq numbering: the first missing seq is named;
 * - entries deleted from the end leave a checkpoint larger than the log: the first missing seq
 *   is named.
 * Entries after the newest checkpoint are checked against their stored leaf hashes only; the
 * result reports `checkpointedSize` so a caller can see how much is covered by a signature.
 *
 * Stored rows (`rows`, what `audit verify` of the live database reads) are walked in two speeds.
 * Below the largest checkpoint, each row's stored text is hashed as it is and compared with its
 * stored leaf hash, and the root with each checkpoint; nothing is parsed. A range whose root
 * matches a signed checkpoint is byte for byte what was signed, and signing refused any entry
 * that was malformed or out of seq (`recomputeRoot` in app/audit-log/sign-audit-checkpoint.ts),
 * so parsing it again cannot find anything an edit made. When a leaf hash or a root does not
 * match, or the rows end before a checkpoint, the rows since the last matching checkpoint are
 * read again and given every check, in order, so the failure named is the one the full walk over
 * `entries` names. Rows above the largest checkpoint are parsed and checked in full as they come.
 * Pages below the largest checkpoint are read packed when the store can (stored-page.ts); a packed
 * page that is not exactly its rows is read again as rows, so packing never changes a verdict.
 */
import { type AuditEntry, auditEntryShapeProblems, checkAuditEntry } from './audit-entry.js';
import { type Checkpoint, verifyCheckpoint } from './checkpoint.js';
import { followKeyHandovers } from './key-rotation.js';
import { bytesEqual, emptyRoot, hashLeaf, hashLeafText, hashSize } from './merkle.js';
import { MerkleAccumulator } from './merkle-accumulator.js';
import { leafHashesOfPage, type StoredAuditPage } from './stored-page.js';

/** The stored form of an entry: the entry and the leaf hash recorded when it was appended. */
export interface LoggedAuditEntry {
  entry: AuditEntry;
  leafHash: Uint8Array;
  /**
   * The entry's leaf input as stored (its RFC 8785 text), when the store has it and `entry` was
   * parsed from it. The verifier then hashes these bytes as they are instead of serialising the
   * entry again: an edit to the stored text, even one that leaves the parsed entry unchanged,
   * no longer matches the leaf hash recorded at append.
   */
  text?: string;
}

/** Reported every `progressEvery` entries and once at the end of a clean pass. */
export interface VerifyLogProgress {
  entries: number;
  checkpointsMatched: number;
}

/** One row of the stored log as the table holds it, nothing parsed. */
export interface StoredAuditRow {
  /** The row's seq column (where it is read from; the entry's own seq is inside `text`). */
  seq: number;
  /** The entry's stored RFC 8785 text: its leaf input. */
  text: string;
  /** The leaf hash recorded at append, in hex. */
  leafHash: string;
}

/** The stored log as {@link verifyLog} reads it, page by page. */
export interface StoredAuditRows {
  /** Rows whose seq column is in [from, to), in seq order. */
  read(from: number, to: number): Promise<readonly StoredAuditRow[]>;
  /**
   * The same rows packed in one value (stored-page.ts), when the store can: pages below the
   * largest checkpoint are then read this way, and read again with `read` only if not exact.
   */
  readPacked?: (from: number, to: number) => Promise<StoredAuditPage>;
  /** Rows are read up to this seq (exclusive). */
  end: number;
  /** Seqs per read. */
  pageSize: number;
}

/** Arguments of {@link verifyLog}: the log as entries, or as stored rows read page by page. */
export type VerifyLogInput = VerifyLogOptions &
  (
    | {
        /** In seq order, as stored. Plain entries (without a stored leaf hash) are accepted too. */
        entries:
          | Iterable<AuditEntry | LoggedAuditEntry>
          | AsyncIterable<AuditEntry | LoggedAuditEntry>;
      }
    | {
        /** The stored log: one await per page, its rows walked synchronously (module comment). */
        rows: StoredAuditRows;
      }
  );

/** What {@link verifyLog} is told besides the log itself. */
export interface VerifyLogOptions {
  /** Signed checkpoint notes, in any order. */
  checkpoints: readonly string[];
  /** C2SP verifier keys (`name+keyid+base64key`); a malformed key throws `invalid_input`. */
  verifierKeys: readonly string[];
  /** When given, every checkpoint must be for this log origin. */
  origin?: string;
  /**
   * A checkpoint note the auditor kept from an earlier verification (`audit verify --since`). It
   * is verified like the others and the log must reach its size and hash to its root there, so a
   * log cut back together with its stored checkpoints (and its head lowered) is `truncated`, and
   * one rewritten below it is `root_mismatch`.
   */
  since?: string;
  onProgress?: (progress: VerifyLogProgress) => void;
  /** Entries between progress calls; default 10 000. */
  progressEvery?: number;
}

/** Why a log failed verification; the table in docs/reference/audit.md explains each. */
export type LogFailureKind =
  | 'bad_checkpoint'
  | 'no_checkpoint'
  | 'invalid_entry'
  | 'sequence_gap'
  | 'sequence_disorder'
  | 'leaf_hash_mismatch'
  | 'root_mismatch'
  | 'truncated';

/** Outcome of {@link verifyLog}: a value, never a thrown error, for a tampered log. */
export type LogVerification =
  | {
      ok: true;
      size: number;
      rootHash: Uint8Array;
      checkpointedSize: number;
      /** The size of the `since` checkpoint the log was found consistent with, when one was given. */
      consistentWithSize?: number;
    }
  /** `firstBadSeq` is null only when a checkpoint itself is bad (no entry is to blame). */
  | { ok: false; kind: LogFailureKind; firstBadSeq: number | null; reason: string };

type Failure = Extract<LogVerification, { ok: false }>;

/**
 * Verifies an audit log offline: every checkpoint's signature (a forged or foreign one fails the
 * whole log), seq contiguous from 0, each entry's shape and stored leaf hash, and the root
 * recomputed at each checkpoint's size against the signed root. Returns the first failure with
 * the first bad seq (see the module comment for how it is located), or the size and root.
 */
export async function verifyLog(input: VerifyLogInput): Promise<LogVerification> {
  const trust = followKeyHandovers(input.verifierKeys, input.checkpoints);
  if (trust.problem !== undefined) {
    return fail(
      'bad_checkpoint',
      null,
      `The checkpoints' key handovers are not one chain: ${trust.problem}`,
    );
  }
  const origin = input.origin === undefined ? {} : { origin: input.origin };
  const checkpoints: Checkpoint[] = [];
  for (const [index, note] of input.checkpoints.entries()) {
    const opened = verifyCheckpoint(note, trust.validAt(0), origin);
    if (!opened.ok) {
      return fail('bad_checkpoint', null, `Checkpoint ${index + 1} is not valid: ${opened.reason}`);
    }
    // A key retired by a handover signs nothing larger than that handover. Checked again only
    // when some key is retired below this size (after a rotation), not for every checkpoint.
    const valid = trust.validAt(opened.checkpoint.size);
    if (valid.length < trust.keys.length && !verifyCheckpoint(note, valid, origin).ok) {
      return fail(
        'bad_checkpoint',
        null,
        `Checkpoint ${index + 1} (size ${opened.checkpoint.size}) is signed only by a key retired by an earlier key handover`,
      );
    }
    checkpoints.push(opened.checkpoint);
  }
  let kept: Checkpoint | undefined;
  if (input.since !== undefined) {
    const opened = verifyCheckpoint(input.since, trust.validAt(0), origin);
    if (!opened.ok) {
      return fail(
        'bad_checkpoint',
        null,
        `The checkpoint kept from an earlier verification (--since) is not valid: ${opened.reason}`,
      );
    }
    kept = opened.checkpoint;
    checkpoints.push(kept);
  }
  checkpoints.sort((a, b) => a.size - b.size);
  const walk = new LogWalk(checkpoints, input, kept);
  const early = walk.matchCheckpoints();
  if (early) return early;
  if ('rows' in input) return walkStoredRows(walk, input.rows);
  if (isAsyncIterable(input.entries)) {
    for await (const item of input.entries) {
      const failure = walk.step(item);
      if (failure) return failure;
    }
  } else {
    for (const item of input.entries) {
      const failure = walk.step(item);
      if (failure) return failure;
    }
  }
  return walk.finish();
}

class LogWalk {
  readonly #acc = new MerkleAccumulator();
  readonly #checkpoints: readonly Checkpoint[];
  readonly #input: VerifyLogOptions;
  readonly #every: number;
  #next = 0;
  #matchedSize = 0;
  #matched = 0;
  readonly #kept: Checkpoint | undefined;

  constructor(checkpoints: readonly Checkpoint[], input: VerifyLogOptions, kept?: Checkpoint) {
    this.#checkpoints = checkpoints;
    this.#input = input;
    this.#kept = kept;
    this.#every = Math.max(1, input.progressEvery ?? 10_000);
  }

  /** Entries walked so far. */
  get size(): number {
    return this.#acc.size;
  }

  /** Entries up to the last checkpoint whose root matched. */
  get matchedSize(): number {
    return this.#matchedSize;
  }

  /** The largest checkpoint's size: stored rows below it are walked without parsing. */
  get signedSize(): number {
    return this.#checkpoints.at(-1)?.size ?? 0;
  }

  step(item: unknown): Failure | undefined {
    const failure = this.check(item, this.#acc.size);
    if (!(failure instanceof Uint8Array)) return failure;
    this.#acc.append(failure);
    return this.#afterAppend();
  }

  /**
   * A stored row below the largest checkpoint: its text hashed as it is, compared with its stored
   * leaf hash, the root with any checkpoint at the new size. A failure here is only a sign: the
   * caller checks the rows since the last match in full to name the first bad one.
   */
  stepStored(row: StoredAuditRow): Failure | undefined {
    const leafHash = hashLeafText(row.text);
    if (!storedLeafHashEquals(row.leafHash, leafHash)) {
      return leafMismatch(this.#acc.size);
    }
    return this.stepLeaf(leafHash);
  }

  /** A leaf hash already found equal to the stored one (a packed page's); then as `stepStored`. */
  stepLeaf(leafHash: Uint8Array): Failure | undefined {
    this.#acc.append(leafHash);
    return this.#afterAppend();
  }

  #afterAppend(): Failure | undefined {
    const failure = this.matchCheckpoints();
    if (failure) return failure;
    if (this.#acc.size % this.#every === 0) this.#progress();
    return undefined;
  }

  /** Every check of one entry at position `seq` but the roots: its leaf hash, or the failure. */
  check(item: unknown, seq: number): Uint8Array | Failure {
    const stored = isLogged(item) ? item : undefined;
    const checked = checkEntry(stored ?? item);
    if (Array.isArray(checked))
      return fail('invalid_entry', seq, `Entry at seq ${seq} is malformed: ${checked.join('; ')}`);
    const found = checked.seq;
    if (found > seq) {
      return fail(
        'sequence_gap',
        seq,
        `Entry seq ${seq} is missing: the entry after seq ${seq - 1} has seq ${found} (deleted or moved)`,
      );
    }
    if (found < seq) {
      return fail(
        'sequence_disorder',
        seq,
        `Expected seq ${seq} but found seq ${found} again (duplicated or moved)`,
      );
    }
    const leafHash = checked.leafHash;
    if (
      stored &&
      !(stored.leafHash instanceof Uint8Array && bytesEqual(stored.leafHash, leafHash))
    ) {
      return leafMismatch(seq);
    }
    return leafHash;
  }

  /** Compares the root with every checkpoint signed at the current size. */
  matchCheckpoints(): Failure | undefined {
    const size = this.#acc.size;
    while (this.#checkpoints[this.#next]?.size === size) {
      const checkpoint = this.#checkpoints[this.#next] as Checkpoint;
      const root = size === 0 ? emptyRoot() : this.#acc.root();
      if (!bytesEqual(root, checkpoint.rootHash)) {
        const from = this.#matchedSize;
        if (checkpoint === this.#kept) {
          return fail(
            'root_mismatch',
            from,
            `Entries up to seq ${size - 1} do not hash to the root of the checkpoint you kept (size ${size}): the log was rewritten since you verified it, from seq ${from} at the earliest`,
          );
        }
        return fail(
          'root_mismatch',
          from,
          `Entries up to seq ${size - 1} do not hash to the root signed for size ${size}: an entry from seq ${from} to ${size - 1} was changed together with its stored leaf hash (seq ${from} is the first not covered by a matching checkpoint)`,
        );
      }
      this.#matchedSize = size;
      this.#matched += 1;
      this.#next += 1;
    }
    return undefined;
  }

  finish(): LogVerification {
    const size = this.#acc.size;
    const pending = this.#checkpoints[this.#next];
    if (pending !== undefined && pending === this.#kept) {
      return fail(
        'truncated',
        size,
        `The checkpoint you kept signs ${pending.size} entries but the log has ${size}: the log was cut back since you verified it (entries from seq ${size} are gone, with any checkpoint that covered them)`,
      );
    }
    if (pending !== undefined) {
      return fail(
        'truncated',
        size,
        `A checkpoint signs ${pending.size} entries but the log has ${size}: entries from seq ${size} were deleted`,
      );
    }
    if (size > 0 && this.#checkpoints.length === 0) {
      return fail(
        'no_checkpoint',
        0,
        `No signed checkpoint covers the log's ${size} entries, so edits cannot be ruled out`,
      );
    }
    this.#progress();
    const root = this.#acc.root();
    const kept = this.#kept ? { consistentWithSize: this.#kept.size } : {};
    return { ok: true, size, rootHash: root, checkpointedSize: this.#matchedSize, ...kept };
  }

  #progress(): void {
    this.#input.onProgress?.({ entries: this.#acc.size, checkpointsMatched: this.#matched });
  }
}

/**
 * The entry's seq and leaf hash, or its shape problems. Stored text is hashed as it is (one pass,
 * no serialisation); a plain entry, or one without its text, is serialised to RFC 8785 first.
 */
function checkEntry(item: unknown): { seq: number; leafHash: Uint8Array } | string[] {
  if (isLogged(item) && typeof item.text === 'string') {
    const problems = auditEntryShapeProblems(item.entry);
    return problems.length > 0
      ? problems
      : { seq: item.entry.seq, leafHash: hashLeafText(item.text) };
  }
  const check = checkAuditEntry(isLogged(item) ? item.entry : item);
  return check.ok ? { seq: check.entry.seq, leafHash: hashLeaf(check.encoded) } : check.problems;
}

/**
 * The walk over stored rows (see the module comment): one read per page, the next page asked for
 * before this one is walked; rows below the largest checkpoint hashed without parsing, the rest
 * parsed and checked in full. On a sign of trouble, {@link recheck} names the first bad entry.
 */
async function walkStoredRows(walk: LogWalk, rows: StoredAuditRows): Promise<LogVerification> {
  const pageSize = Math.max(1, rows.pageSize);
  // The seq column of the first row after the last matching checkpoint: where a recheck reads from.
  let recheckFrom = 0;
  let markedAt = -1;
  const mark = (seq: number): void => {
    if (walk.size === walk.matchedSize && markedAt !== walk.size) {
      recheckFrom = seq;
      markedAt = walk.size;
    }
  };
  let next = readPage(rows, 0, walk.signedSize);
  for (let from = 0; next !== undefined; from += pageSize) {
    const page = await next;
    next = readPage(rows, from + pageSize, walk.signedSize);
    const to = Math.min(rows.end, from + pageSize);
    // A packed page is used only where it starts at the walk's position and holds exactly the
    // rows asked for, each matching its stored leaf hash; else the same rows are read one by one.
    const leaves =
      'packed' in page && walk.size === from ? leafHashesOfPage(page.packed, from, to) : undefined;
    if (leaves !== undefined) {
      for (const [k, leaf] of leaves.entries()) {
        mark(from + k);
        const sign = walk.stepLeaf(leaf);
        if (sign) return recheck(walk, rows, recheckFrom, walk.size - 1, sign);
      }
      continue;
    }
    for (const row of 'rows' in page ? page.rows : await rows.read(from, to)) {
      mark(row.seq);
      if (walk.size < walk.signedSize) {
        const sign = walk.stepStored(row);
        // A leaf hash mismatch is at the row not appended; a root mismatch ends at the last row.
        const last = sign?.kind === 'leaf_hash_mismatch' ? walk.size : walk.size - 1;
        if (sign) return recheck(walk, rows, recheckFrom, last, sign);
      } else {
        const failure = walk.step(parsedRow(row));
        if (failure) return failure;
      }
    }
  }
  const end = walk.finish();
  // Rows from the largest checkpoint on were checked in full already.
  const last = Math.min(walk.size, walk.signedSize) - 1;
  if (end.ok || last < walk.matchedSize) return end;
  return recheck(walk, rows, recheckFrom, last, end);
}

type Page = { rows: readonly StoredAuditRow[] } | { packed: StoredAuditPage };

/**
 * The page of seqs [from, from + pageSize), asked for before the one before it is walked: packed
 * when it lies below the largest checkpoint and the store packs, else as rows.
 */
function readPage(
  rows: StoredAuditRows,
  from: number,
  signedSize: number,
): Promise<Page> | undefined {
  if (from >= rows.end) return undefined;
  const to = Math.min(rows.end, from + Math.max(1, rows.pageSize));
  const page: Promise<Page> =
    rows.readPacked !== undefined && to <= signedSize
      ? rows.readPacked(from, to).then((packed) => ({ packed }))
      : rows.read(from, to).then((read) => ({ rows: read }));
  page.catch(() => undefined); // awaited below, or dropped when the walk stops early
  return page;
}

/**
 * The first failure the full walk finds among the rows from the last matching checkpoint up to
 * position `to` (inclusive), read again from seq column `from`; else `sign`, the failure the fast
 * walk saw (a root mismatch, or the rows ending early). Every row up to `to` was walked before.
 */
async function recheck(
  walk: LogWalk,
  rows: StoredAuditRows,
  from: number,
  to: number,
  sign: Failure,
): Promise<Failure> {
  const pageSize = Math.max(1, rows.pageSize);
  let position = walk.matchedSize;
  for (let start = from; start < rows.end && position <= to; start += pageSize) {
    for (const row of await rows.read(start, Math.min(rows.end, start + pageSize))) {
      const checked = walk.check(parsedRow(row), position);
      if (!(checked instanceof Uint8Array)) return checked;
      position += 1;
      if (position > to) break;
    }
  }
  return sign;
}

/**
 * A stored row as the full walk takes it: its text parsed (and kept, to be hashed as it is). Text
 * that is not JSON stands in as a string, which the shape check names as not an entry.
 */
function parsedRow(row: StoredAuditRow): LoggedAuditEntry {
  let entry: unknown;
  try {
    entry = JSON.parse(row.text);
  } catch {
    entry = row.text;
  }
  return { entry: entry as AuditEntry, leafHash: Buffer.from(row.leafHash, 'hex'), text: row.text };
}

/**
 * One stored row opened for a proof or a signature: its parsed entry and stored leaf hash when its
 * text is a well-formed entry that hashes, as stored, to that leaf hash; else the problem.
 */
export function openStoredRow(
  row: StoredAuditRow,
): { entry: AuditEntry; leafHash: Uint8Array } | { problem: string } {
  let entry: unknown;
  try {
    entry = JSON.parse(row.text);
  } catch {
    return { problem: 'its stored text is not JSON' };
  }
  const problems = auditEntryShapeProblems(entry);
  if (problems.length > 0) return { problem: `it is malformed (${problems.join('; ')})` };
  const leafHash = hashLeafText(row.text);
  if (!storedLeafHashEquals(row.leafHash, leafHash)) {
    return { problem: 'it does not match the leaf hash recorded when it was appended' };
  }
  return { entry: entry as AuditEntry, leafHash };
}

/** Reused for comparing stored hex leaf hashes without a buffer per row. */
const scratch = Buffer.alloc(hashSize);

/** Whether the stored hex leaf hash decodes to `leafHash`, as `Buffer.from(hex, 'hex')` decodes it. */
export function storedLeafHashEquals(hex: string, leafHash: Uint8Array): boolean {
  if (hex.length !== 2 * hashSize) return Buffer.from(hex, 'hex').equals(leafHash);
  return scratch.write(hex, 'hex') === hashSize && scratch.equals(leafHash);
}

function leafMismatch(seq: number): Failure {
  return fail(
    'leaf_hash_mismatch',
    seq,
    `Entry seq ${seq} does not match the leaf hash recorded when it was appended: it was changed afterwards`,
  );
}

function fail(kind: LogFailureKind, firstBadSeq: number | null, reason: string): Failure {
  return { ok: false, kind, firstBadSeq, reason };
}

function isLogged(item: unknown): item is LoggedAuditEntry {
  return typeof item === 'object' && item !== null && 'entry' in item && 'leafHash' in item;
}

function isAsyncIterable<T>(value: Iterable<T> | AsyncIterable<T>): value is AsyncIterable<T> {
  return Symbol.asyncIterator in value;
}
