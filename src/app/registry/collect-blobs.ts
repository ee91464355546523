/**
 * Blob collection: deletes stored blobs that no evidence record references and that nobody
 * uploaded within the grace period (an attach may still be in flight). Safe with several servers
 * on one database and one blob directory: each candidate is first withdrawn (renamed aside, so a
 * `put` meanwhile stores it anew), then checked again against the database; one that became
 * referenced or was uploaded meanwhile is put back. The run's audit entry commits before any
 * withdrawn blob is deleted; if it cannot be written, every blob is put back (fail closed).
 *
 * A run also removes what interrupted writes left (a blob's temporary file, from a process killed
 * before its rename) once older than the same grace. Those were never blobs: no upload was
 * acknowledged with them and nothing recorded names them, so removing them is not audited.
 */
import type { AppDeps } from '../shared/app-deps.js';
import { auditRecord, systemActor } from '../shared/audit-record.js';
import type { AbandonedWrites, WithdrawnBlob } from '../shared/ports.js';

export interface BlobCollection {
  dryRun: boolean;
  /** Blobs deleted (or, in a dry run, that would be). */
  blobs: { digest: string; size: number }[];
  bytes: number;
  /** Blobs a stopped collector had withdrawn, put back first. */
  restored: number;
  /** Partial files of interrupted writes older than the grace, removed (or, dry, found). */
  abandonedWrites: AbandonedWrites;
}

export interface CollectBlobsInput {
  /** The job, audited as `system:<job>`: an operator on the host or the server's schedule. */
  job: string;
  graceSeconds: number;
  dryRun?: boolean;
  /** Upload ledger rows older than this many seconds are purged too (the quota window). */
  keepUploadsSeconds?: number;
}

async function isCollectable(deps: AppDeps, digest: string, since: string): Promise<boolean> {
  return deps.store.read(
    async (tx) =>
      !(await tx.blobUploads.isReferenced(digest)) &&
      !(await tx.blobUploads.uploadedSince(digest, since)),
  );
}

/** One collection run; audited as `blobs.collected` when it deleted anything. */
export async function collectBlobs(
  deps: AppDeps,
  input: CollectBlobsInput,
): Promise<BlobCollection> {
  const now = deps.clock.now();
  const since = new Date(now.getTime() - input.graceSeconds * 1000).toISOString();
  const dryRun = input.dryRun === true;
  const restored = dryRun ? 0 : await deps.blobs.restoreWithdrawn();
  const abandonedWrites = await deps.blobs.removeAbandonedWrites({
    before: new Date(since),
    dryRun,
  });
  const taken: { digest: string; size: number; blob: WithdrawnBlob }[] = [];
  const found: { digest: string; size: number }[] = [];
  try {
    for await (const { digest, size } of deps.blobs.list()) {
      if (!(await isCollectable(deps, digest, since))) continue;
      if (dryRun) {
        found.push({ digest, size });
        continue;
      }
      const blob = await deps.blobs.withdraw(digest);
      if (blob === undefined) continue;
      // Checked again once out of reach: an upload recorded meanwhile keeps it.
      if (await isCollectable(deps, digest, since)) taken.push({ digest, size: blob.size, blob });
      else await blob.restore();
    }
    if (!dryRun) await auditCollection(deps, input, taken, now);
  } catch (error) {
    for (const { blob } of taken) await blob.restore();
    throw error;
  }
  for (const { blob } of taken) await blob.discard();
  const blobs = dryRun ? found : taken.map(({ digest, size }) => ({ digest, size }));
  const bytes = blobs.reduce((sum, b) => sum + b.size, 0);
  return { dryRun, blobs, bytes, restored, abandonedWrites };
}

async function auditCollection(
  deps: AppDeps,
  input: CollectBlobsInput,
  taken: readonly { digest: string; size: number }[],
  now: Date,
): Promise<void> {
  const keep = Math.max(input.graceSeconds, input.keepUploadsSeconds ?? 0);
  const purgeBefore = new Date(now.getTime() - keep * 1000).toISOString();
  await deps.store.transaction(async (tx) => {
    await tx.blobUploads.purgeBefore(purgeBefore);
    // A run that found nothing changed nothing but the ledger's expired rows: no entry.
    if (taken.length === 0) return;
    await tx.audit.append(
      auditRecord({
        actor: systemActor(input.job),
        time: now.toISOString(),
        action: 'blobs.collected',
        subject: { type: 'blob_store', id: 'blobs' },
        data: {
          count: taken.length,
          bytes: taken.reduce((sum, b) => sum + b.size, 0),
          graceSeconds: input.graceSeconds,
          digests: taken.map((b) => b.digest),
        },
      }),
    );
  });
}
