/** The entry text built around its seq (the append's hot path) is encodeEntry's, byte for byte. */
import { expect, it } from 'vitest';
import { type AuditEntry, encodeEntry, entryTextAroundSeq } from './index.js';

const decoder = new TextDecoder();

it('serialises an entry around its seq exactly as encodeEntry does, for varied entries and seqs', () => {
  const bases: Omit<AuditEntry, 'seq'>[] = [
    {
      time: '2026-01-31T09:30:00.000Z',
      actor: { id: 'alice', kind: 'user' },
      action: 'version.registered',
      subject: { type: 'version', id: 'm@1' },
      digests: {},
      data: {},
    },
    {
      time: '2026-01-31T09:30:00.000Z',
      actor: { id: 'bob \u00e9\ud83d\ude00', kind: 'token' },
      action: 'approval.recorded',
      subject: { type: 'request', id: 'r"\n1' },
      reason: 'why \u2028 not',
      ticket: 'T-1',
      digests: { policy: `sha256:${'ab'.repeat(32)}`, evidence: `sha256:${'cd'.repeat(32)}` },
      data: { z: 1, a: [1, { b: null, '\u00e9': 'x' }], seq: 5, '': true, S: -0, big: 1e21 },
    },
    {
      time: '2026-01-31T09:30:00.000Z',
      actor: { id: 'sys', kind: 'system' },
      action: 'audit.checkpoint_signed',
      subject: { type: 'audit_log', id: 'o' },
      reason: undefined,
      digests: {},
      data: { nested: { seq: { seq: 1 } } },
    } as unknown as Omit<AuditEntry, 'seq'>, // reason present but undefined, as a caller may pass it
  ];
  for (const base of bases) {
    const { before, after } = entryTextAroundSeq(base);
    for (const seq of [0, 1, 9, 10, 123456789, Number.MAX_SAFE_INTEGER]) {
      expect(`${before}${seq}${after}`).toBe(
        decoder.decode(encodeEntry({ ...base, seq } as AuditEntry)),
      );
    }
  }
});
