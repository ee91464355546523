/**
 * Signing a checkpoint remembers the notes this process signed, so the next signature does not
 * verify its own previous note again; a note signed by another key (another server's, or one
 * written into the table) must still be refused.
 */
import { describe, expect, it } from 'vitest';
import { type AuditSigner, signAuditCheckpoint } from '../../src/app/index.js';
import { generateSigningKey } from '../../src/audit/index.js';
import { harness, setupModel } from './harness.js';

function signerFor(origin: string): AuditSigner {
  const key = generateSigningKey(origin);
  return {
    origin,
    note: { name: key.name, privateKey: key.privateKey },
    verifierKey: key.verifierKey,
  };
}

describe('signAuditCheckpoint', () => {
  it('extends its own checkpoints, and refuses to extend one another key signed', async () => {
    const h = harness();
    const ours = signerFor('clearance/sign-test');
    const theirs = signerFor('clearance/sign-test');
    await setupModel(h, 'credit-risk', 'model-a', 'regulated');
    const first = await signAuditCheckpoint(h.deps, ours);
    await setupModel(h, 'credit-risk', 'model-b', 'regulated');
    const second = await signAuditCheckpoint(h.deps, ours);
    expect(second).toMatchObject({ signed: true });
    expect(second.checkpoint.size).toBeGreaterThan(first.checkpoint.size);
    // The latest note is one `ours` signed in this process: another key must not extend it.
    await setupModel(h, 'credit-risk', 'model-c', 'regulated');
    await expect(signAuditCheckpoint(h.deps, theirs)).rejects.toMatchObject({
      code: 'audit_unavailable',
      message: expect.stringContaining('with a key that did not sign'),
    });
    // Nor may the same key sign for another origin.
    const elsewhere = { ...ours, origin: 'clearance/elsewhere' };
    await expect(signAuditCheckpoint(h.deps, elsewhere)).rejects.toMatchObject({
      code: 'audit_unavailable',
    });
    expect(await signAuditCheckpoint(h.deps, ours)).toMatchObject({ signed: true });
  });
});
