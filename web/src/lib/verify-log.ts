/**
 * Verifying the audit log in the browser, as `clearance audit verify` does on the server
 * (`src/audit/verify-log.ts`): every checkpoint's signature against the pinned key, seq
 * contiguous from 0, each entry's stored leaf hash recomputed from its RFC 8785 bytes, and the
 * root recomputed at each checkpoint's size against the signed root. The first failure names the
 * first bad entry. Pure apart from Web Crypto; the pages fetch what {@link planEntryPages} lists.
 */
import { bytesEqual, fromBase64 } from './bytes.js';
import { canonicalJson } from './canonical-json.js';
import { type Checkpoint, parseVerifierKey, verifyCheckpoint } from './checkpoint.js';
import { followHandovers } from './key-handovers.js';
import { emptyRoot, hashLeaf, RootBuilder } from './merkle.js';

/** An entry as `GET /api/v1/audit/entries` returns it: the entry and its base64 leaf hash. */
export interface FetchedEntry {
  entry: unknown;
  leafHash: string;
}

/** Why a log failed; the same kinds as the server's verifier (docs/reference/audit.md). */
export type LogFailureKind =
  | 'bad_key'
  | 'bad_checkpoint'
  | 'no_checkpoint'
  | 'invalid_entry'
  | 'sequence_gap'
  | 'sequence_disorder'
  | 'leaf_hash_mismatch'
  | 'root_mismatch'
  | 'truncated';

/** The outcome, a value for a tampered log as for a clean one. */
export type BrowserLogVerification =
  | { ok: true; size: number; checkpointedSize: number; rootHash: Uint8Array; signedBy: string[] }
  /** `firstBadSeq` is null when no entry is to blame (a bad key or checkpoint). */
  | { ok: false; kind: LogFailureKind; firstBadSeq: number | null; reason: string };

/** Arguments of {@link verifyLogInBrowser}. */
export interface VerifyLogInput {
  /** Signed checkpoint notes in any order; the latest at least. */
  checkpoints: readonly string[];
  /** Entries in seq order from 0. */
  entries: readonly FetchedEntry[];
  /** The pinned verifier key(s), C2SP text; never the key the server sends with the data. */
  pinnedKeys: readonly string[];
  /** When given, every checkpoint must be for this log. */
  origin?: string;
}

/** The pages of `GET /audit/entries?from=&limit=` that cover a log of `size` entries. */
export function planEntryPages(size: number, pageSize = 1000): { from: number; limit: number }[] {
  const pages: { from: number; limit: number }[] = [];
  for (let from = 0; from < size; from += pageSize) {
    pages.push({ from, limit: Math.min(pageSize, size - from) });
  }
  return pages;
}

/** Verifies the fetched log; see the module comment. */
export async function verifyLogInBrowser(input: VerifyLogInput): Promise<BrowserLogVerification> {
  for (const text of input.pinnedKeys) {
    const key = await parseVerifierKey(text);
    if (typeof key === 'string')
      return fail('bad_key', null, `The pinned key is not valid: ${key}`);
  }
  if (input.pinnedKeys.length === 0)
    return fail('bad_key', null, 'No pinned key to verify against');
  const trust = await followHandovers(input.pinnedKeys, input.checkpoints);
  if (trust.problem !== undefined) {
    return fail('bad_checkpoint', null, `The key handovers are not one chain: ${trust.problem}`);
  }
  const origin = input.origin === undefined ? {} : { origin: input.origin };
  const checkpoints: Checkpoint[] = [];
  const signedBy = new Set<string>();
  for (const [index, note] of input.checkpoints.entries()) {
    const opened = await verifyCheckpoint(note, trust.all, origin);
    if (!opened.ok) {
      return fail('bad_checkpoint', null, `Checkpoint ${index + 1} is not valid: ${opened.reason}`);
    }
    // A key retired by a handover signs nothing larger than that handover.
    const valid = trust.validAt(opened.checkpoint.size);
    if (valid.length < trust.all.length && !(await verifyCheckpoint(note, valid, origin)).ok) {
      return fail(
        'bad_checkpoint',
        null,
        `Checkpoint ${index + 1} (size ${opened.checkpoint.size}) is signed only by a key retired by an earlier key handover`,
      );
    }
    checkpoints.push(opened.checkpoint);
    for (const name of opened.verifiedBy) signedBy.add(name);
  }
  checkpoints.sort((a, b) => a.size - b.size);
  const walk = new Walk(checkpoints);
  const failure = (await walk.match()) ?? (await walk.entries(input.entries)) ?? walk.finish();
  if (failure) return failure;
  return {
    ok: true,
    size: walk.builder.size,
    checkpointedSize: walk.matchedSize,
    rootHash: await walk.builder.root(),
    signedBy: [...signedBy],
  };
}

type Failure = Extract<BrowserLogVerification, { ok: false }>;
const encoder = new TextEncoder();

class Walk {
  readonly builder = new RootBuilder();
  matchedSize = 0;
  #next = 0;
  readonly #checkpoints: readonly Checkpoint[];

  constructor(checkpoints: readonly Checkpoint[]) {
    this.#checkpoints = checkpoints;
  }

  async entries(items: readonly FetchedEntry[]): Promise<Failure | undefined> {
    for (const item of items) {
      const failure = (await this.#step(item)) ?? (await this.match());
      if (failure) return failure;
    }
    return undefined;
  }

  async #step(item: FetchedEntry): Promise<Failure | undefined> {
    const seq = this.builder.size;
    const found = isRecord(item.entry) ? item.entry.seq : undefined;
    if (typeof found !== 'number' || !Number.isSafeInteger(found)) {
      return fail('invalid_entry', seq, `Entry at seq ${seq} has no integer seq`);
    }
    if (found > seq) {
      return fail(
        'sequence_gap',
        seq,
        `Entry seq ${seq} is missing: the next entry has seq ${found}`,
      );
    }
    if (found < seq) {
      return fail('sequence_disorder', seq, `Expected seq ${seq} but found seq ${found} again`);
    }
    let encoded: Uint8Array;
    try {
      encoded = encoder.encode(canonicalJson(item.entry));
    } catch (error) {
      return fail('invalid_entry', seq, `Entry seq ${seq} is not canonical JSON: ${String(error)}`);
    }
    const leafHash = await hashLeaf(encoded);
    const stored = fromBase64(item.leafHash);
    if (stored === undefined || !bytesEqual(stored, leafHash)) {
      return fail(
        'leaf_hash_mismatch',
        seq,
        `Entry seq ${seq} does not match the leaf hash recorded when it was appended: it was changed afterwards`,
      );
    }
    await this.builder.append(leafHash);
    return undefined;
  }

  /** Compares the root with every checkpoint signed at the current size. */
  async match(): Promise<Failure | undefined> {
    const size = this.builder.size;
    while (this.#checkpoints[this.#next]?.size === size) {
      const checkpoint = this.#checkpoints[this.#next] as Checkpoint;
      const root = size === 0 ? await emptyRoot() : await this.builder.root();
      if (!bytesEqual(root, checkpoint.rootHash)) {
        const from = this.matchedSize;
        return fail(
          'root_mismatch',
          from,
          `Entries up to seq ${size - 1} do not hash to the root signed for size ${size}: an entry from seq ${from} to ${size - 1} was changed together with its stored leaf hash`,
        );
      }
      this.matchedSize = size;
      this.#next += 1;
    }
    return undefined;
  }

  finish(): Failure | undefined {
    const size = this.builder.size;
    const pending = this.#checkpoints[this.#next];
    if (pending !== undefined) {
      return fail(
        'truncated',
        size,
        `A checkpoint signs ${pending.size} entries but the log has ${size}: entries from seq ${size} are missing`,
      );
    }
    if (size > 0 && this.#checkpoints.length === 0) {
      return fail('no_checkpoint', 0, `No signed checkpoint covers the log's ${size} entries`);
    }
    return undefined;
  }
}

function fail(kind: LogFailureKind, firstBadSeq: number | null, reason: string): Failure {
  return { ok: false, kind, firstBadSeq, reason };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
