import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isClearanceError } from '../domain/index.js';
import {
  type AuditEntry,
  assertAuditEntry,
  auditEntryShapeProblems,
  checkAuditEntry,
  encodeEntry,
  entryLeafHash,
  entryTextAroundSeq,
  knownAuditActions,
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

  it('splits the text where the seq goes, whatever the seq and however often "seq" appears inside', () => {
    const { seq: _seq, ...withoutSeq } = entry;
    const tricky = { ...withoutSeq, data: { seq: 0, note: '"seq":0,', nested: { seq: 1 } } };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (seq) => {
        for (const shape of [withoutSeq, tricky]) {
          const { before, after } = entryTextAroundSeq(shape);
          const text = new TextDecoder().decode(encodeEntry({ ...shape, seq }));
          expect(`${before}${seq}${after}`).toBe(text);
        }
      }),
    );
  });

  it('refuses to split a malformed entry', () => {
    const { seq: _seq, ...withoutSeq } = entry;
    expect(() => entryTextAroundSeq({ ...withoutSeq, action: 'Not An Action' })).toThrow(
      /malformed/,
    );
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

/**
 * The shape check before session 8's second pass, kept as the reference: a regex for the time,
 * then `Date.parse` and `toISOString` must give the same text back; the action always through
 * its regex. The check now in use must refuse exactly what this refused, with the same problems.
 */
function referenceShapeProblems(value: unknown): string[] {
  const isRecord = (v: unknown): v is Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const proto: unknown = Object.getPrototypeOf(v);
    return proto === Object.prototype || proto === null;
  };
  const checkPair = (v: unknown, name: string, keys: readonly string[], out: string[]): void => {
    if (!isRecord(v)) {
      out.push(`${name} must be an object with ${keys.join(' and ')}`);
      return;
    }
    for (const key of Object.keys(v)) {
      if (!keys.includes(key)) out.push(`${name}.${key} is not a field of ${name}`);
    }
    for (const key of keys) {
      const field = v[key];
      if (key !== 'kind' && (typeof field !== 'string' || field.length === 0)) {
        out.push(`${name}.${key} must be a non-empty string`);
      }
    }
  };
  const fields = ['seq', 'time', 'actor', 'action', 'subject', 'reason', 'ticket', 'digests'];
  const problems: string[] = [];
  if (!isRecord(value)) return ['an audit entry must be a JSON object'];
  for (const key of Object.keys(value)) {
    if (![...fields, 'data'].includes(key)) problems.push(`${key} is not an audit entry field`);
  }
  const { seq, time, actor, action, subject, reason, ticket, digests, data } = value;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    problems.push('seq must be a non-negative integer');
  }
  const roundTrips = (t: string): boolean => {
    const ms = Date.parse(t);
    return Number.isFinite(ms) && new Date(ms).toISOString() === t;
  };
  if (
    typeof time !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(time) ||
    !roundTrips(time)
  ) {
    problems.push('time must be RFC 3339 UTC with milliseconds, e.g. 2026-01-31T09:30:00.000Z');
  }
  checkPair(actor, 'actor', ['id', 'kind'], problems);
  if (isRecord(actor) && !['user', 'token', 'system'].includes(actor.kind as string)) {
    problems.push('actor.kind must be one of user, token, system');
  }
  if (typeof action !== 'string' || !/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(action)) {
    problems.push('action must be lowercase dotted words such as "transition.executed"');
  }
  checkPair(subject, 'subject', ['type', 'id'], problems);
  for (const [name, text] of [
    ['reason', reason],
    ['ticket', ticket],
  ] as const) {
    if (text !== undefined && (typeof text !== 'string' || text.length === 0)) {
      problems.push(`${name} must be a non-empty string when present`);
    }
  }
  if (!isRecord(digests)) {
    problems.push('digests must be an object of name → "algorithm:hex" ({} when none)');
  } else {
    for (const [name, digest] of Object.entries(digests)) {
      if (typeof digest !== 'string' || !/^[a-z0-9][a-z0-9-]*:[0-9a-f]+$/.test(digest)) {
        problems.push(`digests.${name} must be "algorithm:lowercase-hex", e.g. "sha256:9f86d0…"`);
      } else if (digest.startsWith('sha256:') && digest.length !== 7 + 64) {
        problems.push(`digests.${name} is a sha256 digest, which has 64 hex digits`);
      }
    }
  }
  if (!isRecord(data))
    problems.push('data must be a JSON object ({} when there is nothing to add)');
  return problems;
}

describe('the shape check refuses exactly what the Date round trip refused', () => {
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  const timeOf = (parts: { y: number; mo: number; d: number; h: number; mi: number; s: number }) =>
    `${pad(parts.y, 4)}-${pad(parts.mo, 2)}-${pad(parts.d, 2)}T${pad(parts.h, 2)}:${pad(parts.mi, 2)}:${pad(parts.s, 2)}.123Z`;

  it('gives the same problems for every day 00–32 of months 00–13 in leap and common years', () => {
    let accepted = 0;
    let refused = 0;
    for (const y of [0, 1, 4, 100, 400, 1600, 1900, 1970, 2000, 2024, 2025, 2100, 2400, 9999]) {
      for (let mo = 0; mo <= 13; mo++) {
        for (let d = 0; d <= 32; d++) {
          for (const [h, mi, s] of [
            [0, 0, 0],
            [23, 59, 59],
            [24, 0, 0],
            [12, 60, 0],
            [12, 0, 60],
            [99, 99, 99],
          ] as const) {
            const value = { ...entry, time: timeOf({ y, mo, d, h, mi, s }) };
            const problems = referenceShapeProblems(value);
            expect(auditEntryShapeProblems(value), value.time).toEqual(problems);
            if (problems.length === 0) accepted++;
            else refused++;
          }
        }
      }
    }
    // Both verdicts were exercised: 14 years of real days, each at the two valid times.
    // Leap years in the list: 0, 4, 400, 1600, 2000, 2024 and 2400.
    expect(accepted).toBe(2 * (14 * 365 + 7));
    expect(refused).toBeGreaterThan(accepted);
  });

  it('gives the same problems for malformed times, actions and whole entries (fast-check)', () => {
    const digit = fc.integer({ min: 0, max: 9 }).map(String);
    const shapedTime = fc
      .record({
        y: fc.integer({ min: 0, max: 9999 }),
        mo: fc.integer({ min: 0, max: 19 }),
        d: fc.integer({ min: 0, max: 39 }),
        h: fc.integer({ min: 0, max: 29 }),
        mi: fc.integer({ min: 0, max: 69 }),
        s: fc.integer({ min: 0, max: 69 }),
      })
      .map(timeOf);
    // A well-shaped time with one character replaced, dropped or added.
    const editedTime = fc
      .tuple(
        shapedTime,
        fc.nat({ max: 24 }),
        fc.constantFrom('replace', 'drop', 'add'),
        fc.oneof(
          digit,
          fc.constantFrom('-', ':', '.', 'T', 'Z', 't', 'z', ' ', '+', '٣', '０', '\n'),
        ),
      )
      .map(([time, at, how, ch]) =>
        how === 'replace'
          ? time.slice(0, at) + ch + time.slice(at + 1)
          : how === 'drop'
            ? time.slice(0, at) + time.slice(at + 1)
            : time.slice(0, at) + ch + time.slice(at),
      );
    const time = fc.oneof(shapedTime, editedTime, fc.string(), fc.anything());
    const action = fc.oneof(
      fc.constantFrom(...knownAuditActions),
      fc.constantFrom('Approval.recorded', 'approval', 'approval.', '.x', 'a.b', 'a_1.b_2.c', ''),
      fc.stringMatching(/^[a-zA-Z0-9_.]{0,12}$/),
      fc.anything(),
    );
    const pair = (a: string, b: string) =>
      fc.oneof(
        fc.record({ [a]: fc.oneof(fc.string(), fc.anything()), [b]: fc.anything() }),
        fc.dictionary(fc.constantFrom(a, b, 'extra'), fc.anything()),
        fc.anything(),
      );
    // Mostly the valid field, so whole entries are accepted too, not only refused.
    const field = <T>(valid: T, other: fc.Arbitrary<unknown>) =>
      fc.option(fc.oneof({ arbitrary: fc.constant(valid), weight: 6 }, other), {
        nil: undefined,
        freq: 20,
      });
    const candidate = fc
      .record(
        {
          seq: field(7, fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double(), fc.anything())),
          time: field(entry.time, time),
          actor: field(entry.actor, pair('id', 'kind')),
          action: field(entry.action, action),
          subject: field(entry.subject, pair('type', 'id')),
          reason: field(entry.reason, fc.oneof(fc.string(), fc.anything())),
          ticket: field(entry.ticket, fc.oneof(fc.string(), fc.anything())),
          digests: field(
            entry.digests,
            fc.oneof(
              fc.dictionary(
                fc.string(),
                fc.oneof(fc.stringMatching(/^[a-z0-9:-]{0,12}$/), fc.anything()),
              ),
              fc.anything(),
            ),
          ),
          data: field(entry.data, fc.anything()),
          extra: fc.option(fc.anything(), { nil: undefined }),
        },
        { requiredKeys: [] },
      )
      .map((fields) =>
        Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
      );
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof({ arbitrary: candidate, weight: 4 }, fc.anything()), (value) => {
        const problems = referenceShapeProblems(value);
        expect(auditEntryShapeProblems(value)).toEqual(problems);
        if (problems.length === 0) accepted++;
      }),
      { numRuns: 10_000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
