import { describe, expect, it } from 'vitest';
import { type AuditEntry, entryLeafHash } from './audit-entry.js';
import { signCheckpoint } from './checkpoint.js';
import { rootFromLeafHashes } from './merkle.js';
import { generateSigningKey } from './signed-note.js';
import { type LoggedAuditEntry, type VerifyLogProgress, verifyLog } from './verify-log.js';

const origin = 'clearance/test';
const signer = generateSigningKey(origin);

function makeEntry(seq: number): AuditEntry {
  return {
    seq,
    time: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
    actor: {
      id: seq % 3 === 0 ? 'system' : `user-${seq % 7}`,
      kind: seq % 3 === 0 ? 'system' : 'user',
    },
    action: seq % 2 === 0 ? 'gate.evaluated' : 'approval.recorded',
    subject: { type: 'version', id: `credit-risk-pd@${seq % 11}` },
    digests: { evidence: `sha256:${seq.toString(16).padStart(64, '0')}` },
    data: { outcome: seq % 5 === 0 ? 'fail' : 'pass', value: seq / 10 },
  };
}

function makeLog(size: number): LoggedAuditEntry[] {
  return Array.from({ length: size }, (_, seq) => {
    const entry = makeEntry(seq);
    return { entry, leafHash: entryLeafHash(entry) };
  });
}

function checkpointsAt(log: readonly LoggedAuditEntry[], sizes: readonly number[]): string[] {
  const hashes = log.map((item) => item.leafHash);
  return sizes.map((size) =>
    signCheckpoint({ origin, size, rootHash: rootFromLeafHashes(hashes.slice(0, size)) }, signer),
  );
}

const verifierKeys = [signer.verifierKey];

describe('verifyLog', () => {
  const log = makeLog(300);
  const checkpoints = checkpointsAt(log, [100, 200, 300]);

  it('verifies a clean log of 10k entries, streamed asynchronously, with progress', async () => {
    const big = makeLog(10_000);
    const seen: VerifyLogProgress[] = [];
    async function* stream(): AsyncGenerator<LoggedAuditEntry> {
      yield* big;
    }
    const result = await verifyLog({
      entries: stream(),
      checkpoints: checkpointsAt(big, [10_000, 1, 5_000]),
      verifierKeys,
      origin,
      progressEvery: 2_500,
      onProgress: (progress) => seen.push(progress),
    });
    expect(result).toMatchObject({ ok: true, size: 10_000, checkpointedSize: 10_000 });
    if (result.ok)
      expect(
        Buffer.from(result.rootHash).equals(rootFromLeafHashes(big.map((i) => i.leafHash))),
      ).toBe(true);
    expect(seen.map((p) => p.entries)).toEqual([2_500, 5_000, 7_500, 10_000, 10_000]);
    expect(seen.at(-1)?.checkpointsMatched).toBe(3);
  });

  it('accepts plain entries without stored leaf hashes, and an empty log', async () => {
    const result = await verifyLog({ entries: log.map((i) => i.entry), checkpoints, verifierKeys });
    expect(result).toMatchObject({ ok: true, size: 300 });
    expect(await verifyLog({ entries: [], checkpoints: [], verifierKeys })).toMatchObject({
      ok: true,
      size: 0,
    });
  });

  it('reports entries after the newest checkpoint as not yet checkpointed', async () => {
    const result = await verifyLog({
      entries: log,
      checkpoints: checkpoints.slice(0, 2),
      verifierKeys,
    });
    expect(result).toMatchObject({ ok: true, size: 300, checkpointedSize: 200 });
  });

  it('names the seq of an entry edited after it was appended', async () => {
    const edited = log.map((item) =>
      item.entry.seq === 137
        ? { ...item, entry: { ...item.entry, actor: { id: 'mallory', kind: 'user' as const } } }
        : item,
    );
    const result = await verifyLog({ entries: edited, checkpoints, verifierKeys });
    expect(result).toMatchObject({ ok: false, kind: 'leaf_hash_mismatch', firstBadSeq: 137 });
  });

  it('names the first seq after the last matching checkpoint when the stored hash was recomputed too', async () => {
    const edited = log.map((item) => {
      if (item.entry.seq !== 137) return item;
      const entry = { ...item.entry, reason: 'backdated approval' };
      return { entry, leafHash: entryLeafHash(entry) };
    });
    const result = await verifyLog({ entries: edited, checkpoints, verifierKeys });
    expect(result).toMatchObject({ ok: false, kind: 'root_mismatch', firstBadSeq: 100 });
    if (!result.ok) expect(result.reason).toMatch(/from seq 100 to 199/);
  });

  it('names a deleted entry', async () => {
    const result = await verifyLog({
      entries: log.filter((i) => i.entry.seq !== 42),
      checkpoints,
      verifierKeys,
    });
    expect(result).toMatchObject({ ok: false, kind: 'sequence_gap', firstBadSeq: 42 });
  });

  it('names the first of two reordered entries', async () => {
    const swapped = [...log];
    [swapped[50], swapped[60]] = [swapped[60] as LoggedAuditEntry, swapped[50] as LoggedAuditEntry];
    expect(await verifyLog({ entries: swapped, checkpoints, verifierKeys })).toMatchObject({
      ok: false,
      firstBadSeq: 50,
    });
    // Contents swapped but seq numbers and stored hashes left in place.
    const relabelled = log.map((item) => {
      const seq = item.entry.seq;
      const other = seq === 50 ? 60 : seq === 60 ? 50 : seq;
      return { ...item, entry: { ...(log[other] as LoggedAuditEntry).entry, seq } };
    });
    expect(await verifyLog({ entries: relabelled, checkpoints, verifierKeys })).toMatchObject({
      ok: false,
      kind: 'leaf_hash_mismatch',
      firstBadSeq: 50,
    });
  });

  it('names the first missing seq when entries are cut off the end', async () => {
    const result = await verifyLog({ entries: log.slice(0, 250), checkpoints, verifierKeys });
    expect(result).toMatchObject({ ok: false, kind: 'truncated', firstBadSeq: 250 });
  });

  it('rejects a duplicated entry and a malformed one', async () => {
    const dup = [...log.slice(0, 10), log[9] as LoggedAuditEntry, ...log.slice(10)];
    expect(await verifyLog({ entries: dup, checkpoints, verifierKeys })).toMatchObject({
      ok: false,
      kind: 'sequence_disorder',
      firstBadSeq: 10,
    });
    const broken = log.map((item) =>
      item.entry.seq === 5 ? { ...item, entry: { ...item.entry, time: 'yesterday' } } : item,
    );
    expect(await verifyLog({ entries: broken, checkpoints, verifierKeys })).toMatchObject({
      ok: false,
      kind: 'invalid_entry',
      firstBadSeq: 5,
    });
  });

  it('fails on a forged checkpoint signature', async () => {
    const [first, ...rest] = checkpoints as [string, ...string[]];
    // Flip one character of the signature blob.
    const forged = first.replace(
      / (\S)(\S+)\n$/,
      (_, c: string, tail: string) => ` ${c === 'A' ? 'B' : 'A'}${tail}\n`,
    );
    expect(
      await verifyLog({ entries: log, checkpoints: [forged, ...rest], verifierKeys }),
    ).toMatchObject({
      ok: false,
      kind: 'bad_checkpoint',
      firstBadSeq: null,
    });
    // Signed by an impostor using the log's key name.
    const impostor = generateSigningKey(origin);
    const hashes = log.map((i) => i.leafHash);
    const fake = signCheckpoint(
      { origin, size: 300, rootHash: rootFromLeafHashes(hashes) },
      impostor,
    );
    expect(await verifyLog({ entries: log, checkpoints: [fake], verifierKeys })).toMatchObject({
      ok: false,
      kind: 'bad_checkpoint',
    });
    // Root line changed under a genuine signature.
    const moved = first.replace(/\n100\n/, '\n101\n');
    expect(await verifyLog({ entries: log, checkpoints: [moved], verifierKeys })).toMatchObject({
      ok: false,
      kind: 'bad_checkpoint',
    });
  });

  it('fails on a checkpoint of another log and on a log without checkpoints', async () => {
    expect(
      await verifyLog({ entries: log, checkpoints, verifierKeys, origin: 'clearance/prod' }),
    ).toMatchObject({
      ok: false,
      kind: 'bad_checkpoint',
    });
    expect(await verifyLog({ entries: log, checkpoints: [], verifierKeys })).toMatchObject({
      ok: false,
      kind: 'no_checkpoint',
      firstBadSeq: 0,
    });
  });

  it('catches a log rewritten wholesale with consistent leaf hashes', async () => {
    const rewritten = log.map(({ entry }) => {
      const changed = { ...entry, data: { ...entry.data, rewritten: true } };
      return { entry: changed, leafHash: entryLeafHash(changed) };
    });
    expect(await verifyLog({ entries: rewritten, checkpoints, verifierKeys })).toMatchObject({
      ok: false,
      kind: 'root_mismatch',
      firstBadSeq: 0,
    });
  });
});

describe('verifyLog with a kept checkpoint (--since)', () => {
  const log = makeLog(300);
  const kept = checkpointsAt(log, [250])[0] as string;

  it('finds a log cut back together with its checkpoints shorter than the checkpoint kept', async () => {
    const cut = log.slice(0, 200);
    const alone = await verifyLog({
      entries: cut,
      checkpoints: checkpointsAt(log, [100, 200]),
      verifierKeys,
      origin,
    });
    expect(alone.ok).toBe(true);
    const result = await verifyLog({
      entries: cut,
      checkpoints: checkpointsAt(log, [100, 200]),
      verifierKeys,
      origin,
      since: kept,
    });
    expect(result).toMatchObject({ ok: false, kind: 'truncated', firstBadSeq: 200 });
    expect(result.ok ? '' : result.reason).toContain(
      'The checkpoint you kept signs 250 entries but the log has 200',
    );
  });

  it('finds a log rewritten below the kept checkpoint, with fresh checkpoints of its own', async () => {
    const forged = makeLog(300).map((item, seq) => {
      if (seq !== 120) return item;
      const entry = { ...item.entry, data: { outcome: 'pass', value: 0 } };
      return { entry, leafHash: entryLeafHash(entry) };
    });
    const result = await verifyLog({
      entries: forged,
      checkpoints: checkpointsAt(forged, [300]),
      verifierKeys,
      origin,
      since: kept,
    });
    expect(result).toMatchObject({ ok: false, kind: 'root_mismatch', firstBadSeq: 0 });
    expect(result.ok ? '' : result.reason).toContain(
      'the root of the checkpoint you kept (size 250)',
    );
  });

  it('reports the kept size when the log grew consistently past it', async () => {
    const result = await verifyLog({
      entries: log,
      checkpoints: checkpointsAt(log, [300]),
      verifierKeys,
      origin,
      since: kept,
    });
    expect(result).toMatchObject({ ok: true, size: 300, consistentWithSize: 250 });
  });

  it('refuses a kept checkpoint signed by a key it does not trust', async () => {
    const stranger = generateSigningKey(origin);
    const foreign = signCheckpoint({ origin, size: 10, rootHash: new Uint8Array(32) }, stranger);
    const result = await verifyLog({
      entries: log,
      checkpoints: [],
      verifierKeys,
      origin,
      since: foreign,
    });
    expect(result).toMatchObject({ ok: false, kind: 'bad_checkpoint', firstBadSeq: null });
    expect(result.ok ? '' : result.reason).toContain(
      'kept from an earlier verification (--since) is not valid',
    );
  });
});
