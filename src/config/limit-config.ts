import { z } from 'zod';
import { uploadChargePerFile } from '../domain/index.js';
import { configSection } from './config-section.js';

/** Per-user upload quota, per-model and per-version caps, evidence pack downloads. */
export const limitConfig = configSection({
  schema: {
    uploadQuotaBytes: z.coerce
      .number()
      .int()
      .min(
        uploadChargePerFile + 1,
        `more than ${uploadChargePerFile}, the charge of each file besides its bytes: at most that, every upload would be refused`,
      )
      .describe(
        'Evidence bytes one user may upload per `uploadQuotaWindowSeconds` (every upload counts, attached or not; each file counts 65,536 bytes besides its own, so many small files are not free, and the quota must be more than 65,536); over it uploads are refused with 429 `quota_exceeded` and nothing is stored.',
      ),
    uploadQuotaWindowSeconds: z.coerce
      .number()
      .int()
      .positive()
      .describe('The rolling window of `uploadQuotaBytes`, in seconds.'),
    maxEvidenceFilesPerVersion: z.coerce
      .number()
      .int()
      .min(1)
      .max(100_000)
      .describe(
        'Evidence files one version may hold (already attached ones count; every gate run of the version reads every file); an upload past it is refused with 400 `invalid_input` and nothing is stored.',
      ),
    maxTagsPerRegisteredModel: z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000)
      .describe(
        'Tags one registered model may hold through the MLflow-compatible API (the read-only `clearance.*` views do not count); a tag with a new key past it is refused with 400 INVALID_PARAMETER_VALUE and nothing is written. Setting the value of an existing key always works.',
      ),
    maxTagsPerModelVersion: z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000)
      .describe(
        'Tags one model version may hold through the MLflow-compatible API, those given at registration included; a registration with more, or a tag with a new key past it, is refused with 400 INVALID_PARAMETER_VALUE and nothing is written. Setting the value of an existing key always works.',
      ),
    maxAliasesPerRegisteredModel: z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000)
      .describe(
        'Plain MLflow aliases one registered model may hold (the governed aliases of `mlflowGovernedAliases` do not count); a new alias past it is refused with 400 INVALID_PARAMETER_VALUE. Moving an existing alias always works.',
      ),
    maxConcurrentEvidencePacks: z.coerce
      .number()
      .int()
      .min(1)
      .max(1024)
      .describe(
        "Evidence pack downloads one server streams at once; past it a download is refused with 503 `busy` and Retry-After before anything is read. A download holds the version's records and a few 64 KiB chunks, not its evidence (blobs are streamed into the archive), so this bounds gzip CPU and blob-store reads rather than memory.",
      ),
    evidencePackStallSeconds: z.coerce
      .number()
      .int()
      .min(1)
      .max(3600)
      .describe(
        'Seconds an evidence pack download may go without its archive moving (the client reads nothing, or the blob store sends nothing) before it is cut off and logged; its place among `maxConcurrentEvidencePacks` is given back. A client that opens a download and never reads would otherwise hold the place for as long as its connection lives.',
      ),
  },
  defaults: {
    uploadQuotaBytes: 2 * 1024 * 1024 * 1024,
    uploadQuotaWindowSeconds: 24 * 3600,
    maxEvidenceFilesPerVersion: 1000,
    maxTagsPerRegisteredModel: 100,
    maxTagsPerModelVersion: 100,
    maxAliasesPerRegisteredModel: 100,
    maxConcurrentEvidencePacks: 4,
    evidencePackStallSeconds: 60,
  },
  environment: {
    uploadQuotaBytes: ['CLEARANCE_UPLOAD_QUOTA_BYTES'],
    uploadQuotaWindowSeconds: ['CLEARANCE_UPLOAD_QUOTA_WINDOW_SECONDS'],
    maxEvidenceFilesPerVersion: ['CLEARANCE_MAX_EVIDENCE_FILES_PER_VERSION'],
    maxTagsPerRegisteredModel: ['CLEARANCE_MAX_TAGS_PER_REGISTERED_MODEL'],
    maxTagsPerModelVersion: ['CLEARANCE_MAX_TAGS_PER_MODEL_VERSION'],
    maxAliasesPerRegisteredModel: ['CLEARANCE_MAX_ALIASES_PER_REGISTERED_MODEL'],
    maxConcurrentEvidencePacks: ['CLEARANCE_MAX_CONCURRENT_EVIDENCE_PACKS'],
    evidencePackStallSeconds: ['CLEARANCE_EVIDENCE_PACK_STALL_SECONDS'],
  },
});
