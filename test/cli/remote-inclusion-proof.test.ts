/**
 * `audit prove --server` parses what the server answers before checking it: the entry in a served
 * inclusion proof is held to the closed audit entry shape, so a malformed entry is refused with
 * its problems named instead of reaching the leaf-hash check as an untyped value.
 */
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/audit/index.js';
import { parseInclusionProof } from '../../src/cli/registry/remote-audit.js';
import { isClearanceError } from '../../src/domain/index.js';

const entry: AuditEntry = {
  seq: 3,
  time: '2026-03-01T10:15:30.123Z',
  actor: { id: 'alice@example.com', kind: 'user' },
  action: 'approval.recorded',
  subject: { type: 'transition_request', id: 'tr_42' },
  reason: 'Validation report reviewed',
  ticket: 'RISK-1234',
  digests: { policy: `sha256:${'cd'.repeat(32)}` },
  data: { decision: 'approve' },
};

const served = {
  seq: 3,
  treeSize: 8,
  entry,
  leafHash: 'AAAA',
  proof: ['AAAA'],
  checkpoint: {
    origin: 'clearance.example/audit',
    size: 8,
    rootHash: 'AAAA',
    note: 'note',
    createdAt: '2026-03-01T10:16:00.000Z',
    verifierKey: 'key',
  },
};

function refusal(answer: unknown): { message: string; problems: string[] } {
  try {
    parseInclusionProof(answer);
  } catch (error) {
    if (!isClearanceError(error)) throw error;
    return {
      message: error.message,
      problems: error.problems.map((p) => p.message),
    };
  }
  throw new Error('the proof was accepted');
}

describe('parseInclusionProof', () => {
  it('returns a well-formed proof with its entry as served', () => {
    expect(parseInclusionProof(structuredClone(served))).toEqual(served);
  });

  it('refuses an entry with a field the audit entry shape does not have, naming it', () => {
    const answer = { ...served, entry: { ...entry, extra: true } };
    const refused = refusal(answer);
    expect(refused.message).toBe("The server's inclusion proof is malformed.");
    expect(refused.problems.join('\n')).toContain('extra');
  });

  it('refuses an entry whose actor kind is unknown, naming the field', () => {
    const answer = { ...served, entry: { ...entry, actor: { id: 'a', kind: 'robot' } } };
    expect(refusal(answer).problems.join('\n')).toContain('actor.kind');
  });

  it('refuses a proof missing its checkpoint before looking at the entry', () => {
    const { checkpoint: _, ...answer } = served;
    expect(refusal(answer).message).toBe("The server's inclusion proof is malformed.");
  });
});
