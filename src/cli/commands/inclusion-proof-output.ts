/**
 * `clearance audit prove`: an inclusion proof is checked before anyone sees it — the entry
 * against its leaf hash, the checkpoint's signature, and the audit path against the signed root —
 * whether it came from the database or from a server.
 */
import type { InclusionProofView } from '../../app/index.js';
import {
  bytesEqual,
  entryLeafHash,
  followKeyHandovers,
  parseVerifierKey,
  type VerifierKey,
  verifyCheckpoint,
  verifyInclusion,
} from '../../audit/index.js';
import { ClearanceError } from '../../domain/index.js';

/** The pinned keys (or the one the proof names), extended along key handovers when known. */
function trustedKeys(
  proof: InclusionProofView,
  keys: readonly string[],
  checkpointNotes: readonly string[],
): VerifierKey[] {
  if (keys.length === 0) return [parseVerifierKey(proof.checkpoint.verifierKey)];
  if (checkpointNotes.length === 0) return keys.map((k) => parseVerifierKey(k));
  const trust = followKeyHandovers(keys, checkpointNotes);
  if (trust.problem !== undefined) throw notVerified(proof.seq, trust.problem);
  return trust.validAt(proof.treeSize);
}

function notVerified(seq: number, why: string): ClearanceError {
  const message = `The inclusion proof of entry ${seq} does not verify: ${why}.`;
  return new ClearanceError('audit_unavailable', message, {
    problems: [{ message, fix: 'Run `clearance audit verify` to name the first bad entry.' }],
  });
}

/**
 * Throws unless the proof verifies. `keys` are the verifier keys to trust; without any, the key
 * the proof names is used.
 */
export function assertProofVerifies(
  proof: InclusionProofView,
  keys: readonly string[] = [],
  asked: { seq: number; size?: number } = { seq: proof.seq },
  /** Every signed checkpoint note: with them, pinned keys follow key handovers. */
  checkpointNotes: readonly string[] = [],
): void {
  // A server answering for another entry or another checkpoint than asked proves nothing asked.
  if (proof.seq !== asked.seq || (asked.size !== undefined && proof.treeSize !== asked.size)) {
    throw notVerified(
      asked.seq,
      `the answer is for entry ${proof.seq} at size ${proof.treeSize}, not what was asked`,
    );
  }
  const leafHash = Buffer.from(proof.leafHash, 'base64');
  if (!bytesEqual(entryLeafHash(proof.entry), leafHash))
    throw notVerified(proof.seq, 'the entry does not hash to its leaf hash');
  const trusted = trustedKeys(proof, keys, checkpointNotes);
  const checked = verifyCheckpoint(proof.checkpoint.note, trusted, {
    origin: proof.checkpoint.origin,
  });
  if (!checked.ok)
    throw notVerified(proof.seq, `its checkpoint does not verify (${checked.reason})`);
  if (checked.checkpoint.size !== proof.treeSize)
    throw notVerified(
      proof.seq,
      `its checkpoint is of size ${checked.checkpoint.size}, not ${proof.treeSize}`,
    );
  const included = verifyInclusion({
    leafIndex: proof.seq,
    treeSize: proof.treeSize,
    leafHash,
    proof: proof.proof.map((h) => Buffer.from(h, 'base64')),
    root: checked.checkpoint.rootHash,
  });
  if (!included) throw notVerified(proof.seq, 'the audit path does not lead to the signed root');
}

export function renderProof(proof: InclusionProofView, note = ''): string {
  const lines = [
    `Entry ${proof.seq} is included in the log ${proof.checkpoint.origin} of ${proof.treeSize} entries (verified).`,
    `entry: ${JSON.stringify(proof.entry)}`,
    `leaf hash: ${proof.leafHash}`,
    'audit path (RFC 9162, base64, leaf to root):',
    ...proof.proof.map((h) => `  ${h}`),
    `verifier key: ${proof.checkpoint.verifierKey}`,
    'signed checkpoint:',
    proof.checkpoint.note.trimEnd(),
    ...(note ? [note] : []),
  ];
  return `${lines.join('\n')}\n`;
}
