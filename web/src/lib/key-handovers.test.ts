import { describe, expect, it } from 'vitest';
import { type AuditEntry, entryLeafHash } from '../../../src/audit/audit-entry.js';
import { type Checkpoint, signCheckpoint } from '../../../src/audit/checkpoint.js';
import { handoverExtensions } from '../../../src/audit/key-rotation.js';
import { rootFromLeafHashes } from '../../../src/audit/merkle.js';
import { cosignNote, generateSigningKey } from '../../../src/audit/signed-note.js';
import { type LoggedAuditEntry, verifyLog } from '../../../src/audit/verify-log.js';
import { toBase64 } from './bytes.js';
import { verifyLogInBrowser } from './verify-log.js';

const origin = 'clearance/rotation';
const first = generateSigningKey(origin);
const second = generateSigningKey(origin);
const mallory = generateSigningKey(origin);
type Key = typeof first;

function entry(seq: number): AuditEntry {
  return {
    seq,
    time: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
    actor: { id: `user-${seq % 5}`, kind: 'user' },
    action: 'approval.recorded',
    subject: { type: 'request', id: `req-${seq}` },
    digests: {},
    data: { n: seq },
  };
}

const log: LoggedAuditEntry[] = Array.from({ length: 40 }, (_, seq) => ({
  entry: entry(seq),
  leafHash: entryLeafHash(entry(seq)),
}));
const fetched = log.map((l) => ({ entry: l.entry, leafHash: toBase64(l.leafHash) }));

function body(size: number, extensions?: string[]): Checkpoint {
  const rootHash = rootFromLeafHashes(log.slice(0, size).map((l) => l.leafHash));
  return extensions ? { origin, size, rootHash, extensions } : { origin, size, rootHash };
}
const handover = (size: number, retired: Key, next: Key) =>
  cosignNote(
    signCheckpoint(
      body(size, handoverExtensions({ retired: retired.verifierKey, next: next.verifierKey })),
      retired,
    ),
    next,
  );

async function both(checkpoints: string[], pinned: Key[]) {
  const keys = pinned.map((k) => k.verifierKey);
  const server = await verifyLog({ entries: log, checkpoints, verifierKeys: keys, origin });
  const browser = await verifyLogInBrowser({
    entries: fetched,
    checkpoints,
    pinnedKeys: keys,
    origin,
  });
  return { server, browser };
}

describe('key handovers in the browser verifier, held to audit verify', () => {
  const rotated = [
    signCheckpoint(body(10), first),
    handover(25, first, second),
    signCheckpoint(body(40), second),
  ];

  it('follows a rotation from the old key and from the new one', async () => {
    for (const pinned of [[first], [second]]) {
      const { server, browser } = await both(rotated, pinned);
      expect(server.ok).toBe(true);
      expect(browser).toMatchObject({ ok: true, size: 40, checkpointedSize: 40 });
    }
  });

  it('refuses a checkpoint signed by the retired key after its handover', async () => {
    const late = [...rotated, signCheckpoint(body(30), first)];
    const { server, browser } = await both(late, [first]);
    expect(server.ok).toBe(false);
    expect(browser).toMatchObject({ ok: false, kind: 'bad_checkpoint' });
    if (!browser.ok) expect(browser.reason).toMatch(/retired by an earlier key handover/);
  });

  it('refuses a second handover of one key (a leaked key grafting a chain)', async () => {
    const forked = [...rotated, handover(30, first, mallory)];
    const { server, browser } = await both(forked, [first]);
    expect(server.ok).toBe(false);
    expect(browser).toMatchObject({ ok: false, kind: 'bad_checkpoint' });
    if (!browser.ok) expect(browser.reason).toMatch(/handed over twice/);
  });

  it('trusts no key a handover names unless both keys signed it', async () => {
    const unsigned = signCheckpoint(
      body(25, handoverExtensions({ retired: first.verifierKey, next: mallory.verifierKey })),
      first,
    );
    const checkpoints = [
      signCheckpoint(body(10), first),
      unsigned,
      signCheckpoint(body(40), mallory),
    ];
    const { server, browser } = await both(checkpoints, [first]);
    expect(server.ok).toBe(false);
    expect(browser).toMatchObject({ ok: false, kind: 'bad_checkpoint' });
  });
});
