/**
 * Per-user upload quotas: bytes sent for the blob store over a rolling window, from the upload
 * ledger. An upload is recorded (in its own transaction) before its bytes are stored, so every
 * byte that reaches the disk counts, whether or not its attach later succeeds.
 */
import { createHash } from 'node:crypto';
import { ClearanceError, type Principal, uploadChargePerFile } from '../../domain/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import type { Repositories } from '../shared/ports.js';

/** What each uploaded file costs besides its bytes (domain/evidence-limits.ts). */
export { uploadChargePerFile };

/** Bytes a file counts against the quota: its own and the per-file charge. */
export function chargedBytes(bytes: number): number {
  return bytes + uploadChargePerFile;
}

/**
 * What the ledger's uploads in the window count against the quota. The ledger keeps each file's
 * own size (a fact); the charge is applied here, so a change of the charge applies to every row.
 */
async function chargedSince(tx: Repositories, principalId: string, since: string): Promise<number> {
  const { files, bytes } = await tx.blobUploads.usageSince(principalId, since);
  return bytes + files * uploadChargePerFile;
}

/** From Config: `uploadQuotaBytes` per `uploadQuotaWindowSeconds`, per user. */
export interface UploadQuota {
  bytes: number;
  windowSeconds: number;
}

function quotaExceeded(principal: Principal, quota: UploadQuota, used: number, size: number) {
  const hours = quotaWindowText(quota.windowSeconds);
  const message = `${principal.id} has uploaded ${used} bytes in the last ${hours}; ${size} more (each file counts ${uploadChargePerFile} bytes besides its own) would exceed the upload quota of ${quota.bytes} bytes.`;
  return new ClearanceError('quota_exceeded', message, {
    problems: [
      {
        message,
        fix: 'Wait for earlier uploads to leave the window, or ask an operator to raise uploadQuotaBytes.',
      },
    ],
  });
}

function quotaWindowText(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${seconds} s`;
}

function windowStart(deps: AppDeps, quota: UploadQuota): string {
  return new Date(deps.clock.now().getTime() - quota.windowSeconds * 1000).toISOString();
}

/**
 * Refuses (`quota_exceeded`, nothing written) when `size` more bytes (charged: see
 * `chargedBytes`) would take the principal over its quota. The HTTP edge calls it with one file's
 * declared Content-Length before reading a body.
 */
export async function assertWithinUploadQuota(
  deps: AppDeps,
  principal: Principal,
  size: number,
): Promise<void> {
  const quota = deps.uploadQuota;
  if (quota === undefined) return;
  const used = await deps.store.read((tx) =>
    chargedSince(tx, principal.id, windowStart(deps, quota)),
  );
  if (used + size > quota.bytes) throw quotaExceeded(principal, quota, used, size);
}

/**
 * Checks the quota and records the uploads in one transaction, before any byte is stored. Two
 * uploads of one user racing on two servers may each pass the check: the quota can be exceeded
 * by at most the uploads in flight at once.
 */
export async function recordUploads(
  deps: AppDeps,
  principal: Principal,
  files: readonly { bytes: Uint8Array }[],
): Promise<void> {
  const at = deps.clock.now().toISOString();
  const size = files.reduce((sum, f) => sum + chargedBytes(f.bytes.byteLength), 0);
  await deps.store.transaction(
    async (tx) => {
      const quota = deps.uploadQuota;
      if (quota !== undefined) {
        const used = await chargedSince(tx, principal.id, windowStart(deps, quota));
        if (used + size > quota.bytes) throw quotaExceeded(principal, quota, used, size);
      }
      await tx.blobUploads.record(
        ...files.map((file) => ({
          id: deps.ids.next(),
          principalId: principal.id,
          digest: `sha256:${createHash('sha256').update(file.bytes).digest('hex')}`,
          size: file.bytes.byteLength,
          at,
        })),
      );
    },
    { uploadsOf: principal.id },
  );
}
