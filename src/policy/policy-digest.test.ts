import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { designExample } from './design-example.fixture.js';
import { parsePolicy } from './parse-policy.js';
import { policyDigest } from './policy-digest.js';

function digestOf(text: string): string {
  const result = parsePolicy(text, 'p.yaml');
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('\n'));
  return result.digest;
}

const compactForm = `apiVersion: clearance/v1
kind: Policy
metadata: { name: p, riskTier: low }
transitions:
  - { from: draft, to: staging, requestedBy: [owner], approvals: [{ role: lead }], documents: [model_card] }
`;

const spelledOut = `# same policy, reordered, block style, every default written out
kind: Policy
apiVersion: "clearance/v1"
transitions:
  - requestedBy:
      - owner
    to: staging
    from: draft
    gates: []
    approvals:
      - count: 1
        role: lead
    documents:
      - name: model_card
        sections: []
    separationOfDuties:
      oneRolePerPerson: true
      minDistinctApprovers: 1
      requesterMayApprove: false
      creatorMayApprove: false
    ticket: { required: false }
    reason: { required: true }
states: [draft, staging, production, deprecated, archived]
changeTypes: { standard: {} }
metadata:
  riskTier: low
  name: p
`;

describe('policyDigest', () => {
  it('is sha256: and 64 hex digits, equal to the digest parsePolicy returns', () => {
    const result = parsePolicy(designExample, 'p.yaml');
    if (!result.ok) throw new Error('expected ok');
    expect(policyDigest(result.policy)).toBe(result.digest);
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('does not change with formatting, key order, comments or spelled-out defaults', () => {
    expect(digestOf(spelledOut)).toBe(digestOf(compactForm));
  });

  it('changes when the meaning changes', () => {
    expect(digestOf(compactForm.replace('riskTier: low', 'riskTier: medium'))).not.toBe(
      digestOf(compactForm),
    );
    expect(digestOf(compactForm.replace('{ role: lead }', '{ role: lead, count: 2 }'))).not.toBe(
      digestOf(compactForm),
    );
  });

  it('keeps the digest of a policy without requests.expireAfter when the default is written out, in any unit', () => {
    // Fixed text, not our own digest function: a policy stored before the key existed.
    const before = digestOf(compactForm);
    expect(digestOf(`${compactForm}requests: { expireAfter: 14d }\n`)).toBe(before);
    expect(digestOf(`${compactForm}requests: { expireAfter: 2w }\n`)).toBe(before);
    expect(digestOf(`${compactForm}requests: {}\n`)).toBe(before);
    expect(digestOf(`${compactForm}requests: { expireAfter: 7d }\n`)).not.toBe(before);
  });

  it('keeps the digests policies had before requests.expireAfter existed', () => {
    // Computed by the code of commit 33afb62^1 (before the key existed), not by today's.
    expect(digestOf(compactForm)).toBe(
      'sha256:636c3d86d1bbbb58b65ef2ce04f23494e1b96abd6820571fb466bee81f0b1918',
    );
    const example = (name: string) =>
      digestOf(
        readFileSync(new URL(`../../examples/${name}/policy.yaml`, import.meta.url), 'utf8'),
      );
    expect(example('credit-risk')).toBe(
      'sha256:ab21e862ed018d092635b7c348d6b78c047b79bc843530ab2f077902d8e309d0',
    );
    expect(example('recommender')).toBe(
      'sha256:ea0f8829f05b50da380d2fc7e9a4691225ade9c3407cdb9b0f0f7f2681aefdd8',
    );
  });

  it('refuses a request lifetime that is not a duration, and an unknown key under requests', () => {
    const result = parsePolicy(
      `${compactForm}requests: { expireAfter: soon, ttl: 3d }\n`,
      'p.yaml',
    );
    expect(result.ok).toBe(false);
    const messages = result.ok ? [] : result.problems.map((p) => p.message).join('\n');
    expect(messages).toContain('expireAfter');
    expect(messages).toContain('ttl');
  });
});
