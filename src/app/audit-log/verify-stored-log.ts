/**
 * `audit verify` on the live database: streams the stored entries (with the leaf hashes stored at
 * append time) and the stored checkpoints through the offline verifier, so the live check and the
 * check of an export are the same code and name the same first bad entry.
 */
import { type LogVerification, type VerifyLogProgress, verifyLog } from '../../audit/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import type { AuditLogIdentity } from './audit-proofs.js';

/**
 * Rows per read. Each page is one statement outside any transaction: the log is append-only
 * (the tables refuse UPDATE and DELETE), so every row below the head's count read at the start is
 * final once committed, and pages read one after another are one prefix of the same log.
 */
const chunkSize = 5000;

export interface StoredLogVerification {
  /** The log head's count of entries (what the service believes it has written). */
  headSize: number;
  checkpoints: number;
  /** The newest stored checkpoint note that was verified: the one an auditor keeps for `--since`. */
  newestCheckpoint?: string;
  result: LogVerification;
}

/**
 * Verifies the stored log against every stored checkpoint, trusting only `log.verifierKey`. An
 * append-only log read in several statements is still one consistent prefix. Entries missing
 * after the newest checkpoint are caught by comparing with the log head's count.
 */
export async function verifyStoredLog(
  deps: AppDeps,
  input: {
    log: AuditLogIdentity;
    /** A checkpoint note kept from an earlier verification: the log must be consistent with it. */
    since?: string;
    onProgress?: (progress: VerifyLogProgress, total: number) => void;
  },
): Promise<StoredLogVerification> {
  const { headSize, notes, checkpointed } = await deps.store.read(async (tx) => {
    const stored = await tx.checkpoints.list();
    return {
      headSize: await tx.audit.size(),
      notes: stored.map((c) => c.note),
      checkpointed: stored.at(-1)?.size ?? 0,
    };
  });
  const end = Math.max(headSize, checkpointed);
  const result = await verifyLog({
    rows: {
      read: (from, to) => deps.store.readOne((tx) => tx.audit.storedRows(from, to)),
      readPacked: (from, to) => deps.store.readOne((tx) => tx.audit.storedPage(from, to)),
      end,
      pageSize: chunkSize,
    },
    checkpoints: notes,
    verifierKeys: [input.log.verifierKey],
    origin: input.log.origin,
    ...(input.since === undefined ? {} : { since: input.since }),
    ...(input.onProgress
      ? { onProgress: (p: VerifyLogProgress) => input.onProgress?.(p, end) }
      : {}),
  });
  if (result.ok && result.size < headSize) {
    return {
      headSize,
      checkpoints: notes.length,
      result: {
        ok: false,
        kind: 'truncated',
        firstBadSeq: result.size,
        reason: `The log head counts ${headSize} entries but only ${result.size} are stored: entries from seq ${result.size} were deleted`,
      },
    };
  }
  const newest = notes.at(-1);
  return {
    headSize,
    checkpoints: notes.length,
    ...(result.ok && newest !== undefined ? { newestCheckpoint: newest } : {}),
    result,
  };
}
