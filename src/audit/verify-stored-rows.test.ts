/**
 * `verifyLog` over stored rows (`rows`, what `audit verify` of the live database reads) against
 * the full walk over parsed entries (`entries`) on the same rows: the fast walk hashes rows below
 * the largest checkpoint without parsing them, so every tampering here must still get the verdict
 * (kind, first bad seq, reason) the full walk gives.
 */
import { describe, expect, it } from 'vitest';
import { type AuditEntry, encodeEntry } from './audit-entry.js';
import { signCheckpoint } from './checkpoint.js';
import { hashLeafText, rootFromLeafHashes } from './merkle.js';
import { generateSigningKey } from './signed-note.js';
import { packStoredRows, type StoredAuditPage } from './stored-page.js';
import {
  type LoggedAuditEntry,
  type LogVerification,
  type StoredAuditRow,
  verifyLog,
} from './verify-log.js';

const origin = 'clearance/test';
const signer = generateSigningKey(origin);
const verifierKeys = [signer.verifierKey];

function makeEntry(seq: number): AuditEntry {
  return {
    seq,
    time: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
    actor: { id: `user-${seq % 7}`, kind: 'user' },
    action: seq % 2 === 0 ? 'gate.evaluated' : 'approval.recorded',
    subject: { type: 'version', id: `credit-risk-pd@${seq % 11}` },
    digests: {},
    data: { outcome: seq % 5 === 0 ? 'fail' : 'pass', value: seq / 10 },
  };
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** A row as the repository stores it: the entry's RFC 8785 text and its leaf hash. */
function rowOf(entry: unknown, seq: number): StoredAuditRow {
  const text =
    typeof entry === 'string' ? entry : Buffer.from(encodeEntry(entry as AuditEntry)).toString();
  return { seq, text, leafHash: hex(hashLeafText(text)) };
}

/** A row whose text is `text` as given (even malformed), with its leaf hash recomputed. */
function rewritten(seq: number, text: string): StoredAuditRow {
  return { seq, text, leafHash: hex(hashLeafText(text)) };
}

const clean: readonly StoredAuditRow[] = Array.from({ length: 300 }, (_, seq) =>
  rowOf(makeEntry(seq), seq),
);

function checkpointsOver(rows: readonly StoredAuditRow[], sizes: readonly number[]): string[] {
  const leaves = rows.map((row) => Buffer.from(row.leafHash, 'hex'));
  return sizes.map((size) =>
    signCheckpoint({ origin, size, rootHash: rootFromLeafHashes(leaves.slice(0, size)) }, signer),
  );
}

const signed = checkpointsOver(clean, [100, 200, 300]);

/** How a store packs a page (stored-page.ts); `undefined`: it does not, only rows are read. */
type Packing = ((rows: StoredAuditRow[]) => StoredAuditPage) | undefined;

/**
 * The rows path, reading by seq column in pages of `pageSize`, up to `end`; with `packing`, the
 * pages below the largest checkpoint are read packed first.
 */
function viaRows(
  rows: readonly StoredAuditRow[],
  checkpoints: readonly string[],
  pageSize: number,
  end = 300,
  packing: Packing = packStoredRows,
): Promise<LogVerification> {
  const read = async (from: number, to: number) =>
    rows.filter((row) => row.seq >= from && row.seq < to);
  const readPacked =
    packing === undefined
      ? undefined
      : async (from: number, to: number) => packing(await read(from, to));
  const stored = { read, end, pageSize, ...(readPacked ? { readPacked } : {}) };
  return verifyLog({ rows: stored, checkpoints, verifierKeys, origin });
}

/** Both ways a store may be read: packed pages (then rows where not exact), and rows only. */
const packings: [string, Packing][] = [
  ['packed pages', packStoredRows],
  ['rows only', undefined],
];

/** The full walk over the same rows, parsed: the verdict the fast walk must give. */
function viaEntries(
  rows: readonly StoredAuditRow[],
  checkpoints: readonly string[],
): Promise<LogVerification> {
  const entries: LoggedAuditEntry[] = [...rows]
    .sort((a, b) => a.seq - b.seq)
    .map((row) => ({
      entry: JSON.parse(row.text) as AuditEntry,
      leafHash: Buffer.from(row.leafHash, 'hex'),
      text: row.text,
    }));
  return verifyLog({ entries, checkpoints, verifierKeys, origin });
}

const edit = (seq: number, change: (entry: AuditEntry) => unknown): string =>
  JSON.stringify(change(makeEntry(seq)));

const withRow = (rows: readonly StoredAuditRow[], seq: number, row: StoredAuditRow) =>
  rows.map((r) => (r.seq === seq ? row : r));

const tamperings: [string, StoredAuditRow[], Partial<LogVerification>][] = [
  [
    'an entry edited, its leaf hash untouched',
    withRow(clean, 137, {
      ...(clean[137] as StoredAuditRow),
      text: edit(137, (e) => ({ ...e, actor: { id: 'mallory', kind: 'user' } })),
    }),
    { kind: 'leaf_hash_mismatch', firstBadSeq: 137 },
  ],
  [
    'an entry edited and its leaf hash recomputed',
    withRow(clean, 137, rowOf({ ...makeEntry(137), reason: 'backdated approval' }, 137)),
    { kind: 'root_mismatch', firstBadSeq: 100 },
  ],
  [
    'an entry deleted',
    clean.filter((r) => r.seq !== 42),
    { kind: 'sequence_gap', firstBadSeq: 42 },
  ],
  [
    'two rows swapped under their seq column',
    clean.map((r) =>
      r.seq === 50
        ? { ...(clean[60] as StoredAuditRow), seq: 50 }
        : r.seq === 60
          ? { ...(clean[50] as StoredAuditRow), seq: 60 }
          : r,
    ),
    { firstBadSeq: 50 },
  ],
  [
    'a row repeated',
    [...clean.slice(0, 10), clean[9] as StoredAuditRow, ...clean.slice(10)],
    { kind: 'sequence_disorder', firstBadSeq: 10 },
  ],
  ['entries cut off the end', clean.slice(0, 250), { kind: 'truncated', firstBadSeq: 250 }],
  [
    'a malformed entry, its leaf hash untouched',
    withRow(clean, 5, {
      ...(clean[5] as StoredAuditRow),
      text: edit(5, (e) => ({ ...e, time: 'yesterday' })),
    }),
    { kind: 'invalid_entry', firstBadSeq: 5 },
  ],
  [
    'a malformed entry with its leaf hash recomputed',
    withRow(
      clean,
      5,
      rewritten(
        5,
        edit(5, (e) => ({ ...e, time: 'yesterday' })),
      ),
    ),
    { kind: 'invalid_entry', firstBadSeq: 5 },
  ],
  [
    'a malformed entry (hash recomputed) before an edited one (hash untouched)',
    withRow(
      withRow(
        clean,
        120,
        rewritten(
          120,
          edit(120, (e) => ({ ...e, extra: 1 })),
        ),
      ),
      130,
      { ...(clean[130] as StoredAuditRow), text: edit(130, (e) => ({ ...e, reason: 'x' })) },
    ),
    { kind: 'invalid_entry', firstBadSeq: 120 },
  ],
  [
    "an entry whose seq was rewritten, with its hash, in the rows' last checkpointed range",
    withRow(clean, 260, rowOf({ ...makeEntry(260), seq: 261 }, 260)),
    { kind: 'sequence_gap', firstBadSeq: 260 },
  ],
  [
    'an entry edited, with its hash, and the rows cut before the checkpoint covering it',
    withRow(clean, 210, rowOf({ ...makeEntry(210), reason: 'late' }, 210)).slice(0, 280),
    { kind: 'truncated', firstBadSeq: 280 },
  ],
  [
    'an entry rewritten with raw newlines (indented JSON), its leaf hash recomputed',
    withRow(clean, 137, rewritten(137, JSON.stringify(makeEntry(137), null, 1))),
    { kind: 'root_mismatch', firstBadSeq: 100 },
  ],
  [
    'a raw newline added at the end of an entry, its leaf hash untouched',
    withRow(clean, 99, { ...(clean[99] as StoredAuditRow), text: `${clean[99]?.text}\n` }),
    { kind: 'leaf_hash_mismatch', firstBadSeq: 99 },
  ],
  [
    'two stored leaf hashes of 62 and 66 characters (the same total)',
    withRow(
      withRow(clean, 20, {
        ...(clean[20] as StoredAuditRow),
        leafHash: (clean[20] as StoredAuditRow).leafHash.slice(0, 62),
      }),
      21,
      { ...(clean[21] as StoredAuditRow), leafHash: `${clean[21]?.leafHash}00` },
    ),
    { kind: 'leaf_hash_mismatch', firstBadSeq: 20 },
  ],
  [
    'two hex characters moved from one stored leaf hash to its neighbour (the same concatenation)',
    withRow(
      withRow(clean, 30, {
        ...(clean[30] as StoredAuditRow),
        leafHash: `${clean[30]?.leafHash}${clean[31]?.leafHash.slice(0, 2)}`,
      }),
      31,
      {
        ...(clean[31] as StoredAuditRow),
        leafHash: (clean[31] as StoredAuditRow).leafHash.slice(2),
      },
    ),
    { kind: 'leaf_hash_mismatch', firstBadSeq: 30 },
  ],
  [
    'a stored leaf hash that is not hex',
    withRow(clean, 40, { ...(clean[40] as StoredAuditRow), leafHash: 'zz'.repeat(32) }),
    { kind: 'leaf_hash_mismatch', firstBadSeq: 40 },
  ],
  [
    'a stored leaf hash in upper case (the same bytes)',
    withRow(clean, 77, {
      ...(clean[77] as StoredAuditRow),
      leafHash: (clean[77] as StoredAuditRow).leafHash.toUpperCase(),
    }),
    { ok: true },
  ],
];

describe('verifyLog over stored rows', () => {
  it('verifies a clean log and reports what the full walk reports', async () => {
    const result = await viaRows(clean, signed, 64);
    expect(result).toMatchObject({ ok: true, size: 300, checkpointedSize: 300 });
    expect(result).toEqual(await viaEntries(clean, signed));
  });

  it.each(tamperings)('names %s as the full walk does', async (_, rows, expected) => {
    const full = await viaEntries(rows, signed);
    expect(full).toMatchObject(expected);
    for (const [, packing] of packings)
      for (const pageSize of [1, 7, 64, 1000])
        expect(await viaRows(rows, signed, pageSize, 300, packing)).toEqual(full);
  });

  it('reads a packed page that is not exactly the rows asked for again as rows', async () => {
    // An engine feeding the aggregates out of order, or a seq list that does not say the order:
    // neither may change the verdict, only cost a second read.
    const reversed: Packing = (rows) => packStoredRows([...rows].reverse());
    const short: Packing = (rows) => ({ ...packStoredRows(rows), seqs: '' });
    for (const packing of [reversed, short]) {
      expect(await viaRows(clean, signed, 64, 300, packing)).toEqual(
        await viaEntries(clean, signed),
      );
      const edited = withRow(clean, 137, rowOf({ ...makeEntry(137), reason: 'backdated' }, 137));
      expect(await viaRows(edited, signed, 64, 300, packing)).toMatchObject({
        kind: 'root_mismatch',
        firstBadSeq: 100,
      });
    }
  });

  it("gives the full walk's verdict with no checkpoint, and against a kept one (since)", async () => {
    const none = await viaEntries(clean, []);
    expect(none).toMatchObject({ ok: false, kind: 'no_checkpoint' });
    expect(await viaRows(clean, [], 64)).toEqual(none);
    // The log cut back with the checkpoints that covered it; the auditor kept the one at 300.
    const kept = signed[2] as string;
    const cut = clean.slice(0, 150);
    const early = signed.slice(0, 1);
    const entries = cut.map((row) => ({
      entry: JSON.parse(row.text) as AuditEntry,
      leafHash: Buffer.from(row.leafHash, 'hex'),
      text: row.text,
    }));
    const full = await verifyLog({ entries, checkpoints: early, verifierKeys, since: kept });
    expect(full).toMatchObject({ ok: false, kind: 'truncated', firstBadSeq: 150 });
    const read = async (from: number, to: number) =>
      cut.filter((row) => row.seq >= from && row.seq < to);
    const rows = { read, end: 150, pageSize: 64 };
    expect(await verifyLog({ rows, checkpoints: early, verifierKeys, since: kept })).toEqual(full);
  });

  it('checks entries after the newest checkpoint in full', async () => {
    const rows = withRow(
      clean,
      250,
      rewritten(
        250,
        edit(250, (e) => ({ ...e, action: 'X' })),
      ),
    );
    const checkpoints = signed.slice(0, 2);
    const full = await viaEntries(rows, checkpoints);
    expect(full).toMatchObject({ kind: 'invalid_entry', firstBadSeq: 250 });
    expect(await viaRows(rows, checkpoints, 64)).toEqual(full);
  });

  it('names stored text that is not JSON as a malformed entry, signed over or not', async () => {
    const rows = withRow(clean, 150, rewritten(150, '{"seq":150,'));
    expect(await viaRows(rows, signed, 64)).toMatchObject({
      ok: false,
      kind: 'invalid_entry',
      firstBadSeq: 150,
    });
    const tail = withRow(clean, 250, rewritten(250, 'not json'));
    expect(await viaRows(tail, signed.slice(0, 2), 64)).toMatchObject({
      ok: false,
      kind: 'invalid_entry',
      firstBadSeq: 250,
    });
  });

  it('does not parse rows a matching signed checkpoint covers: a malformed entry signed over passes', async () => {
    // Signing refuses a malformed entry, so only a signer that skipped its checks can make such
    // a log; the full walk over entries (an export) still names it, the stored-rows walk trusts
    // the signature over the bytes.
    const rows = withRow(
      clean,
      5,
      rewritten(
        5,
        edit(5, (e) => ({ ...e, time: 'yesterday' })),
      ),
    );
    const signedOver = checkpointsOver(rows, [100, 200, 300]);
    expect(await viaEntries(rows, signedOver)).toMatchObject({
      kind: 'invalid_entry',
      firstBadSeq: 5,
    });
    expect(await viaRows(rows, signedOver, 64)).toMatchObject({ ok: true, size: 300 });
  });
});
