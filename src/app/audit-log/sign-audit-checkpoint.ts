/**
 * Signs a C2SP checkpoint of the audit log as it is now. A log must never sign two inconsistent
 * checkpoints (C2SP tlog-checkpoint), so before signing it checks that the stored tree still folds
 * to the latest checkpoint's root and re-hashes each entry appended since against its stored leaf
 * hash: an edit behind the service's back is refused, never laundered into a signature.
 */
import {
  type AuditEntry,
  auditEntryShapeProblems,
  bytesEqual,
  type Checkpoint,
  cosignNote,
  handoverExtensions,
  handoverOf,
  hashLeafText,
  leafHashesOfPage,
  MerkleAccumulator,
  pageSeparator,
  parseVerifierKey,
  type StoredAuditRow,
  signCheckpoint,
  storedLeafHashEquals,
  verifyCheckpoint,
} from '../../audit/index.js';
import { ClearanceError, isClearanceError, type Principal } from '../../domain/index.js';
import { isGlobalAdmin } from '../identity/identity-rules.js';
import type { AppDeps } from '../shared/app-deps.js';
import { forbidden, guarded } from '../shared/authorise.js';
import { emit } from '../shared/emit-event.js';
import type { AuditSigner, Repositories, StoredCheckpoint } from '../shared/ports.js';
import { storedRangeAndRoot } from './audit-tree.js';

export interface SignedCheckpointResult {
  checkpoint: StoredCheckpoint;
  /** False when the log had not grown since the latest checkpoint, which is returned instead. */
  signed: boolean;
}

/**
 * Global admins may sign on demand; the service's own jobs (`kind: system`) may too. A checkpoint
 * covers the whole log, every model's entries, so an admin bound to one model does not count.
 */
export function assertMaySign(principal: Principal): void {
  if (principal.kind === 'system' || isGlobalAdmin(principal)) return;
  throw forbidden(
    `${principal.id} may not sign an audit checkpoint: it needs the global admin role (an admin role on one model does not cover the whole log).`,
    'Ask an admin, or wait for the scheduled checkpoint (checkpointIntervalSeconds).',
  );
}

/**
 * Signs a checkpoint of the whole log in one transaction, unless the log has not grown since the
 * latest one. A concurrent signer (another server) winning the race is not an error: its
 * checkpoint is returned.
 */
export async function signAuditCheckpoint(
  deps: AppDeps,
  signer: AuditSigner,
  input: { principal?: Principal } = {},
): Promise<SignedCheckpointResult> {
  const { principal } = input;
  if (principal) {
    const subject = { type: 'audit_log', id: signer.origin };
    return guarded(deps, { actor: principal, action: 'audit.checkpoint', subject }, () => {
      assertMaySign(principal);
      return signAuditCheckpoint(deps, signer);
    });
  }
  try {
    return await deps.store.transaction((tx) => signInTransaction(deps, signer, tx));
  } catch (error) {
    if (!isClearanceError(error) || error.code !== 'conflict') throw error;
    const latest = await deps.store.transaction((tx) => tx.checkpoints.latest());
    if (latest === undefined) throw error;
    return { checkpoint: latest, signed: false };
  }
}

/**
 * Signs a checkpoint of the log as it is in `tx`. With `handoverTo`, the checkpoint is a key
 * handover (audit/key-rotation.ts): it names both keys and both sign it, even when the log has
 * not grown.
 */
export async function signInTransaction(
  deps: AppDeps,
  signer: AuditSigner,
  tx: Repositories,
  handoverTo?: AuditSigner,
): Promise<SignedCheckpointResult> {
  // The log head is locked first: no entry is appended and no other server signs (a key
  // handover included) until this transaction ends, so the latest checkpoint read next is the one
  // this signature must extend, and the size cannot move under it.
  const size = await tx.audit.size({ forUpdate: true });
  const latest = await tx.checkpoints.latest();
  if (latest?.size === size && handoverTo === undefined) {
    return { checkpoint: latest, signed: false };
  }
  if (latest) assertSameLog(latest, signer, size);
  const rootHash = await recomputeRoot(tx, { size, checked: latest });
  const extensions = handoverTo
    ? handoverExtensions({ retired: signer.verifierKey, next: handoverTo.verifierKey })
    : undefined;
  const body = { origin: signer.origin, size, rootHash, ...(extensions ? { extensions } : {}) };
  const signed = signCheckpoint(body, signer.note);
  const note = handoverTo ? cosignNote(signed, handoverTo.note) : signed;
  signedHere.remember(note, signer, body);
  const checkpoint: StoredCheckpoint = {
    size,
    rootHash,
    note,
    createdAt: deps.clock.now().toISOString(),
  };
  await tx.checkpoints.insert(checkpoint);
  await emit(tx, deps, {
    type: 'audit.checkpoint_signed',
    at: checkpoint.createdAt,
    subject: {},
    data: {
      origin: signer.origin,
      size,
      rootHash: Buffer.from(rootHash).toString('base64'),
      signedAt: checkpoint.createdAt,
    },
  });
  return { checkpoint, signed: true };
}

/**
 * The last few notes this process signed, each with the key and origin it signed as: the next
 * signature must check that the latest checkpoint was signed by this signer, and when the stored
 * note is, byte for byte, one it signed itself, that needs no Ed25519 verification (a tenth of a
 * millisecond) — one signature per checkpoint. Any other note (another server's, or one changed
 * in the table) is verified as before.
 */
const signedHere = (() => {
  const kept = new Map<string, { by: string; checkpoint: Checkpoint }>();
  const identity = (signer: AuditSigner) => `${signer.verifierKey}\n${signer.origin}`;
  return {
    remember(note: string, signer: AuditSigner, checkpoint: Checkpoint): void {
      kept.set(note, { by: identity(signer), checkpoint });
      if (kept.size > 4) kept.delete(kept.keys().next().value as string);
    },
    opened(note: string, signer: AuditSigner): { ok: true; checkpoint: Checkpoint } | undefined {
      const found = kept.get(note);
      return found?.by === identity(signer)
        ? { ok: true, checkpoint: found.checkpoint }
        : undefined;
    },
  };
})();

function refuse(message: string, fix: string): ClearanceError {
  return new ClearanceError('audit_unavailable', message, { problems: [{ message, fix }] });
}

function assertSameLog(latest: StoredCheckpoint, signer: AuditSigner, size: number): void {
  if (latest.size > size) {
    throw refuse(
      `The audit log has ${size} entries but checkpoint ${latest.size} was signed: entries were deleted behind the service's back. No checkpoint is signed.`,
      'Run `clearance audit verify` to find the first missing entry, and restore the log from a backup.',
    );
  }
  const opened =
    signedHere.opened(latest.note, signer) ??
    verifyCheckpoint(latest.note, [parseVerifierKey(signer.verifierKey)], {
      origin: signer.origin,
    });
  if (opened.ok && handoverOf(opened.checkpoint)?.retired === signer.verifierKey) {
    throw refuse(
      `This server's audit signing key was retired by the key handover at log size ${latest.size}; it signs nothing more.`,
      'Install the new key (see `clearance audit rotate-key` in docs/operations.md) and restart this server.',
    );
  }
  if (!opened.ok) {
    throw refuse(
      `This server signs as ${signer.origin} with a key that did not sign the log's latest checkpoint (size ${latest.size}), or for another origin: ${opened.reason}.`,
      'Give every server the same signing key and install-id (auditSigningKeyFile on shared storage); see docs/operations.md.',
    );
  }
}

/**
 * The root for a checkpoint of the first `size` entries, in O(new entries + log n) reads: the tree
 * resumes from the stored compact range at the checked checkpoint, which must still fold to its
 * signed root, and every entry since is re-hashed and must match the leaf hash recorded at append.
 * The stored tree must give the same root, so proofs built from it verify against the new
 * checkpoint. Entries older than the checked checkpoint are not re-read here: the signed root
 * already commits to them, and `audit verify` (or a failing proof) names one that was changed.
 */
async function recomputeRoot(
  tx: Repositories,
  input: { size: number; checked: StoredCheckpoint | undefined },
): Promise<Uint8Array> {
  const checkedSize = input.checked?.size ?? 0;
  // The nodes to resume from and those of the new root, in one read.
  const stored = await storedRangeAndRoot(tx, checkedSize, input.size);
  const acc = MerkleAccumulator.resume(checkedSize, stored.compactRange);
  if (input.checked && !bytesEqual(acc.root(), input.checked.rootHash)) {
    throw refuse(
      `The stored audit log no longer hashes to the root signed for size ${checkedSize}: entries or tree nodes were changed behind the service's back. No checkpoint is signed.`,
      'Run `clearance audit verify` to name the entry, and restore the log from a backup.',
    );
  }
  for (let from = checkedSize; from < input.size; from += rowsPerRead) {
    const to = Math.min(input.size, from + rowsPerRead);
    for (const leaf of await checkedLeaves(tx, from, to, input.size)) acc.append(leaf);
    if (acc.size !== to) throw missingEntries(acc.size, input.size);
  }
  const root = acc.root();
  if (!bytesEqual(root, stored.root)) {
    throw refuse(
      `The stored Merkle tree nodes of the audit log disagree with its entries at size ${input.size}: they were changed behind the service's back. No checkpoint is signed.`,
      'Run `clearance audit verify`, and restore the log from a backup.',
    );
  }
  return root;
}

/** Entries read per statement while signing (a checkpoint usually covers far fewer). */
const rowsPerRead = 5000;

/**
 * The leaf hashes of the stored entries at seqs [from, to), each checked as {@link leafOf} checks
 * it. The page is read packed (audit/stored-page.ts: one row, the texts hashed out of one buffer,
 * a third of the CPU of reading 1,000 row objects); each text is still parsed on its own and
 * shape- and seq-checked. A page that is not exactly its rows, or holds any entry that fails a
 * check, is read again as rows and checked by {@link leafOf}, which names the failure: the packing
 * decides nothing.
 */
async function checkedLeaves(
  tx: Repositories,
  from: number,
  to: number,
  size: number,
): Promise<Uint8Array[]> {
  const page = await tx.audit.storedPage(from, to);
  const leaves = leafHashesOfPage(page, from, to);
  if (leaves !== undefined) {
    // leafHashesOfPage found exactly one separator between neighbouring entries, so the split
    // gives each row's own text (UTF-8 never encodes another character with a newline byte).
    const texts = page.texts.split(pageSeparator);
    if (texts.length === leaves.length && texts.every((text, k) => entryAt(text, from + k).ok))
      return leaves;
  }
  return (await tx.audit.storedRows(from, to)).map((row, k) => leafOf(row, from + k, size));
}

/** The stored text parsed as the entry at `seq`, or its shape problems (none for a wrong seq). */
function entryAt(text: string, seq: number): { ok: boolean; problems: string[] } {
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    return { ok: false, problems: ['its stored text is not JSON'] };
  }
  const problems = auditEntryShapeProblems(entry);
  return { ok: problems.length === 0 && (entry as AuditEntry).seq === seq, problems };
}

/**
 * The leaf hash of the stored row at position `seq`: its stored text hashed as it is (what
 * `audit verify` hashes), after the parsed entry's shape and seq are checked and the hash is
 * compared with the one recorded at append. Signing refuses anything else, which is what lets
 * `audit verify` hash a signed range without parsing it again.
 */
function leafOf(row: StoredAuditRow, seq: number, size: number): Uint8Array {
  const { ok, problems } = entryAt(row.text, seq);
  if (problems.length > 0) {
    throw refuse(
      `Audit entry ${seq} is malformed (${problems.join('; ')}): it was changed behind the service's back. No checkpoint is signed.`,
      'Run `clearance audit verify` and restore the log from a backup.',
    );
  }
  if (!ok || row.seq !== seq) throw missingEntries(seq, size);
  const leafHash = hashLeafText(row.text);
  if (!storedLeafHashEquals(row.leafHash, leafHash)) {
    throw refuse(
      `Audit entry ${seq} does not match the leaf hash recorded when it was appended: it was changed behind the service's back. No checkpoint is signed.`,
      'Run `clearance audit verify` and restore the log from a backup.',
    );
  }
  return leafHash;
}

function missingEntries(from: number, to: number): ClearanceError {
  return refuse(
    `Audit entries between seq ${from} and ${to - 1} are missing although the log head counts them: rows were deleted behind the service's back. No checkpoint is signed.`,
    'Run `clearance audit verify` to name the first missing entry, and restore the log from a backup.',
  );
}
