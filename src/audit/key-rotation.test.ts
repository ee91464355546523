import { describe, expect, it } from 'vitest';
import { type AuditEntry, entryLeafHash } from './audit-entry.js';
import {
  type Checkpoint,
  formatCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from './checkpoint.js';
import { followKeyHandovers, handoverExtensions, handoverOf } from './key-rotation.js';
import { rootFromLeafHashes } from './merkle.js';
import { cosignNote, generateSigningKey, signNote } from './signed-note.js';
import { type LoggedAuditEntry, verifyLog } from './verify-log.js';

const origin = 'clearance/rotation';
const first = generateSigningKey(origin);
const second = generateSigningKey(origin);
const third = generateSigningKey(origin);
const mallory = generateSigningKey(origin);

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

function body(size: number, extensions?: string[]): Checkpoint {
  const rootHash = rootFromLeafHashes(log.slice(0, size).map((l) => l.leafHash));
  return extensions ? { origin, size, rootHash, extensions } : { origin, size, rootHash };
}

type Key = ReturnType<typeof generateSigningKey>;

/** A handover at `size` from `retired` to `next`, signed by both. */
function handover(size: number, retired: Key, next: Key): string {
  const extensions = handoverExtensions({ retired: retired.verifierKey, next: next.verifierKey });
  return cosignNote(signCheckpoint(body(size, extensions), retired), next);
}

function verify(checkpoints: string[], pinned: Key[]) {
  return verifyLog({
    entries: log,
    checkpoints,
    verifierKeys: pinned.map((k) => k.verifierKey),
    origin,
  });
}

describe('audit key rotation', () => {
  // first signs 10 and 20; hands over to second at 25; second signs 30, hands over to third at 35.
  const chain = [
    signCheckpoint(body(10), first),
    signCheckpoint(body(20), first),
    handover(25, first, second),
    signCheckpoint(body(30), second),
    handover(35, second, third),
    signCheckpoint(body(40), third),
  ];

  it('verifies across two rotations from the first key, the current key, or one in between', async () => {
    for (const pinned of [[first], [second], [third]]) {
      expect(await verify(chain, pinned)).toMatchObject({ ok: true, size: 40 });
    }
    expect(followKeyHandovers([third.verifierKey], chain).keys).toHaveLength(3);
  });

  it('trusts none of it from an unrelated key', async () => {
    expect(await verify(chain, [mallory])).toMatchObject({ ok: false, kind: 'bad_checkpoint' });
  });

  it('refuses a checkpoint signed after its key was retired', async () => {
    const late = signCheckpoint(body(38), first);
    const result = await verify([...chain, late], [first]);
    expect(result).toMatchObject({ ok: false, kind: 'bad_checkpoint' });
    if (!result.ok) expect(result.reason).toContain('retired');
  });

  it('does not follow a handover that only one of its keys signed', async () => {
    const extensions = handoverExtensions({
      retired: first.verifierKey,
      next: mallory.verifierKey,
    });
    // Mallory announces itself as first's successor, but first never signed that.
    const forged = signCheckpoint(body(25), mallory);
    const claimed = signNote(formatCheckpoint(body(25, extensions)), mallory);
    const afterwards = signCheckpoint(body(30), mallory);
    for (const bogus of [forged, claimed]) {
      const trust = followKeyHandovers([first.verifierKey], [bogus, afterwards]);
      expect(trust.keys).toEqual([first.verifierKey]);
    }
    expect(await verify([chain[0] as string, claimed, afterwards], [first])).toMatchObject({
      ok: false,
      kind: 'bad_checkpoint',
    });
  });

  it('refuses a second chain grafted with a leaked retired key', async () => {
    // first leaked and was rotated to second at 25; the thief hands first over to mallory too.
    const graft = handover(12, first, mallory);
    const forged = signCheckpoint(body(40), mallory);
    for (const pinned of [[first], [second], [third]]) {
      const result = await verify([...chain.slice(0, 5), graft, forged], pinned);
      expect(result).toMatchObject({ ok: false, kind: 'bad_checkpoint' });
      if (!result.ok) expect(result.reason).toContain('handed over twice');
    }
  });

  it('cannot attach a handover to a checkpoint after the fact', () => {
    // A cosignature on a plain checkpoint announces nothing: the extension lines are signed text.
    const plain = cosignNote(signCheckpoint(body(20), first), mallory);
    expect(followKeyHandovers([first.verifierKey], [plain]).keys).toEqual([first.verifierKey]);
    const opened = parseCheckpoint(
      handover(25, first, second).split('\n\n')[0]?.concat('\n') ?? '',
    );
    expect(handoverOf(opened)).toEqual({ retired: first.verifierKey, next: second.verifierKey });
  });
});
