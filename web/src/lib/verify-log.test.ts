import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuditEntry, entryLeafHash } from '../../../src/audit/audit-entry.js';
import { signCheckpoint } from '../../../src/audit/checkpoint.js';
import { rootFromLeafHashes } from '../../../src/audit/merkle.js';
import { generateSigningKey } from '../../../src/audit/signed-note.js';
import { type LoggedAuditEntry, verifyLog } from '../../../src/audit/verify-log.js';
import { canonicalJson as serverCanonicalJson } from '../../../src/domain/canonical-json.js';
import { toBase64 } from './bytes.js';
import { canonicalJson } from './canonical-json.js';
import { type FetchedEntry, planEntryPages, verifyLogInBrowser } from './verify-log.js';

const origin = 'clearance/browser-test';
const signer = generateSigningKey(origin);
const pinnedKeys = [signer.verifierKey];

function makeEntry(seq: number): AuditEntry {
  return {
    seq,
    time: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
    actor: { id: `user-${seq % 5}@example.com`, kind: 'user' },
    action: seq % 2 === 0 ? 'gate.evaluated' : 'approval.recorded',
    subject: { type: 'version', id: `credit-risk-pd@${seq % 7}` },
    ...(seq % 3 === 0 ? { reason: 'Résumé ✓ "quoted" \u2028 line' } : {}),
    digests: { evidence: `sha256:${seq.toString(16).padStart(64, '0')}` },
    data: { value: seq / 7, nested: { b: [1, 2e21, -0, 1e-7], a: null } },
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

/** What the HTTP API sends: JSON, leaf hashes in base64. */
function fetched(log: readonly LoggedAuditEntry[]): FetchedEntry[] {
  return JSON.parse(
    JSON.stringify(log.map((i) => ({ entry: i.entry, leafHash: toBase64(i.leafHash) }))),
  ) as FetchedEntry[];
}

const log = makeLog(60);
const checkpoints = checkpointsAt(log, [20, 40, 60]);

describe('verifyLogInBrowser', () => {
  it('verifies a clean log and recomputes the server root', async () => {
    const result = await verifyLogInBrowser({
      checkpoints,
      entries: fetched(log),
      pinnedKeys,
      origin,
    });
    expect(result).toMatchObject({ ok: true, size: 60, checkpointedSize: 60, signedBy: [origin] });
    if (result.ok) {
      expect(toBase64(result.rootHash)).toBe(
        Buffer.from(rootFromLeafHashes(log.map((i) => i.leafHash))).toString('base64'),
      );
    }
  });

  it('names an entry edited behind the service (leaf hash kept)', async () => {
    const entries = fetched(log);
    ((entries[13] as FetchedEntry).entry as { actor: { id: string } }).actor.id =
      'mallory@example.com';
    expect(await verifyLogInBrowser({ checkpoints, entries, pinnedKeys })).toMatchObject({
      ok: false,
      kind: 'leaf_hash_mismatch',
      firstBadSeq: 13,
    });
  });

  it('refuses checkpoints not signed by the pinned key, even if the server sends its own key', async () => {
    const forger = generateSigningKey(origin);
    const forged = checkpointsAt(log, [60]).map(() =>
      signCheckpoint({ origin, size: 60, rootHash: new Uint8Array(32) }, forger),
    );
    expect(
      await verifyLogInBrowser({ checkpoints: forged, entries: fetched(log), pinnedKeys }),
    ).toMatchObject({ ok: false, kind: 'bad_checkpoint', firstBadSeq: null });
    expect(
      await verifyLogInBrowser({ checkpoints, entries: fetched(log), pinnedKeys: ['nope'] }),
    ).toMatchObject({ ok: false, kind: 'bad_key' });
  });

  it('encodes entries to the same RFC 8785 bytes as the server', () => {
    for (const item of log) {
      expect(canonicalJson(JSON.parse(JSON.stringify(item.entry)))).toBe(
        serverCanonicalJson(item.entry),
      );
    }
  });

  it('reaches the same verdict and first bad seq as audit verify for random tampering', async () => {
    const tamper = fc.record({
      kind: fc.constantFrom('edit', 'edit-rehash', 'delete', 'duplicate', 'truncate'),
      at: fc.nat(59),
    });
    await fc.assert(
      fc.asyncProperty(tamper, async ({ kind, at }) => {
        const stored: LoggedAuditEntry[] = log.map((i) => ({
          ...i,
          entry: structuredClone(i.entry),
        }));
        const target = stored[at] as LoggedAuditEntry;
        if (kind === 'edit' || kind === 'edit-rehash') {
          target.entry.reason = 'rewritten';
          if (kind === 'edit-rehash') target.leafHash = entryLeafHash(target.entry);
        } else if (kind === 'delete') stored.splice(at, 1);
        else if (kind === 'duplicate') stored.splice(at, 0, target);
        else stored.splice(at);
        const expected = await verifyLog({
          entries: stored,
          checkpoints,
          verifierKeys: pinnedKeys,
        });
        const actual = await verifyLogInBrowser({
          checkpoints,
          entries: fetched(stored),
          pinnedKeys,
        });
        expect(actual.ok).toBe(expected.ok);
        if (!actual.ok && !expected.ok) {
          expect([actual.kind, actual.firstBadSeq]).toEqual([expected.kind, expected.firstBadSeq]);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('plans the entry pages that cover a log', () => {
    expect(planEntryPages(0)).toEqual([]);
    expect(planEntryPages(2500, 1000)).toEqual([
      { from: 0, limit: 1000 },
      { from: 1000, limit: 1000 },
      { from: 2000, limit: 500 },
    ]);
  });
});

describe('browser canonical JSON', () => {
  it('refuses what the server refuses to log', () => {
    expect(() => canonicalJson({ a: '\uD800' })).toThrow(/lone surrogate/);
    expect(() => canonicalJson({ a: '\uDC00x' })).toThrow(/lone surrogate/);
    expect(canonicalJson({ b: '😀', a: [1e21, -0] })).toBe('{"a":[1e+21,0],"b":"😀"}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/not JSON/);
  });
});
