import { type BlobCollection, collectBlobs } from '../app/index.js';
import type { Registry } from './registry.js';

/** Blob collection as `clearance blobs gc` runs it (the server's `blobs.collect` job likewise). */
export function collectBlobsWith(
  registry: Registry,
  options: { job: string; dryRun?: boolean; graceSeconds?: number },
): Promise<BlobCollection> {
  const { config } = registry;
  return collectBlobs(registry.deps, {
    job: options.job,
    graceSeconds: options.graceSeconds ?? config.blobGcGraceSeconds,
    keepUploadsSeconds: config.uploadQuotaWindowSeconds,
    ...(options.dryRun ? { dryRun: true } : {}),
  });
}
