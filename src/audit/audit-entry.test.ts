import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isClearanceError } from '../domain/index.js';
import {
  type AuditEntry,
  assertAuditEntry,
  checkAuditEntry,
  encodeEntry,
  entryLeafHash,
} from './audit-entry.js';

const entry: AuditEntry = {
  seq: 7,
  time: '2026-03-01T10:15:30.123Z',
  actor: { id: 'alice@example.com', kind: 'user' },
  action: 'approval.recorded',
  subject: { type: 'transition_request', id: 'tr_42' },
  reason: 'Validation report reviewed',
  ticket: 'RISK-1234',
  digests: { evidence: `sha256:${'ab'.repeat(32)}`, policy: `sha256:${'cd'.repeat(32)}` },
  data: { decision: 'approve', role: 'risk_officer', risk: 'medium' },
};

describe('audit entry encoding', () => {
  it('encodes RFC 8785 canonical JSON: sorted keys, no whitespace, UTF-8', () => {
    const text = new TextDecoder().decode(encodeEntry({ ...entry, data: { z: 1, a: 'é' } }));
    expect(text).toBe(
      '{"action":"approval.recorded","actor":{"id":"alice@example.com","kind":"user"},"data":{"a":"é","z":1},' +
        `"digests":{"evidence":"sha256:${'ab'.repeat(32)}","policy":"sha256:${'cd'.repeat(32)}"},` +
        '"reason":"Validation report reviewed","seq":7,"subject":{"id":"tr_42","type":"transition_request"},' +
        '"ticket":"RISK-1234","time":"2026-03-01T10:15:30.123Z"}',
    );
  });

  it('hashes the leaf as SHA-256(0x00 ‖ canonical JSON)', () => {
    const expected = createHash('sha256')
      .update(Buffer.from([0]))
      .update(encodeEntry(entry))
      .digest('hex');
    expect(Buffer.from(entryLeafHash(entry)).toString('hex')).toBe(expected);
  });

  it('gives the same leaf whatever order the keys were built in', () => {
    const reordered = Object.fromEntries(Object.entries(entry).reverse()) as unknown as AuditEntry;
    expect(Object.keys(reordered)[0]).toBe('data');
    expect(Buffer.from(entryLeafHash(reordered)).equals(entryLeafHash(entry))).toBe(true);
  });

  it('leaves optional fields out rather than writing null', () => {
    const { reason: _r, ticket: _t, ...bare } = entry;
    expect(new TextDecoder().decode(encodeEntry(bare))).not.toMatch(/reason|ticket/);
  });
});

describe('audit entry validation', () => {
  const problemsOf = (value: unknown): string[] => {
    const check = checkAuditEntry(value);
    return check.ok ? [] : check.problems;
  };

  it('accepts a well-formed entry', () => {
    expect(checkAuditEntry(entry).ok).toBe(true);
  });

  it('names every bad field at once', () => {
    const problems = problemsOf({
      ...entry,
      seq: -1,
      time: '2026-03-01 10:15',
      actor: { id: '', kind: 'robot' },
      action: 'Approve',
      extra: true,
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'extra is not an audit entry field',
        'seq must be a non-negative integer',
        expect.stringMatching(/^time must be RFC 3339 UTC/),
        'actor.id must be a non-empty string',
        'actor.kind must be one of user, token, system',
        expect.stringMatching(/^action must be lowercase dotted words/),
      ]),
    );
  });

  it('rejects impossible dates, bad digests and data JSON cannot carry', () => {
    expect(problemsOf({ ...entry, time: '2026-02-30T00:00:00.000Z' })[0]).toMatch(/^time/);
    expect(problemsOf({ ...entry, digests: { evidence: 'sha256:abc' } })[0]).toMatch(
      /64 hex digits/,
    );
    expect(problemsOf({ ...entry, digests: { evidence: 'SHA256:AB' } })[0]).toMatch(
      /algorithm:lowercase-hex/,
    );
    expect(problemsOf({ ...entry, data: { value: Number.NaN } })[0]).toMatch(/\$\.data\.value/);
    expect(problemsOf({ ...entry, reason: '' })).toEqual([
      'reason must be a non-empty string when present',
    ]);
    expect(problemsOf(null)).toEqual(['an audit entry must be a JSON object']);
  });

  it('throws a coded invalid_input error from assert and encode', () => {
    let thrown: unknown;
    try {
      assertAuditEntry({ ...entry, seq: 1.5 });
    } catch (error) {
      thrown = error;
    }
    expect(isClearanceError(thrown) && thrown.code === 'invalid_input').toBe(true);
    expect(() => encodeEntry({ ...entry, action: '' })).toThrow(/Audit entry 7 is malformed/);
  });

  it('never crashes on arbitrary input (fast-check)', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const check = checkAuditEntry(value);
        expect(typeof check.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});
