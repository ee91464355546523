import {
  type AppDeps,
  type BlobStore,
  GateResultCache,
  hotReads,
  LineageReadings,
  type Store,
  type UploadQuota,
} from '../app/index.js';
import { apiTokenIssuer } from '../auth/index.js';
import type { Config } from '../config.js';
import { type GateRunBudgets, GateWorkerPool } from '../gate-runs/index.js';
import { systemClock, uuidV7 } from './uuid-v7.js';

/** The gate-run budgets of the configuration. */
export function gateRunBudgets(config: Config): GateRunBudgets {
  return {
    timeBudgetSeconds: config.gateTimeBudgetSeconds,
    memoryBudgetMb: config.gateMemoryBudgetMb,
    workers: config.gateWorkers,
    advisoryQueuePerWorker: config.gateAdvisoryQueuePerWorker,
    governedQueuePerWorker: config.gateGovernedQueuePerWorker,
  };
}

/**
 * The use cases' dependencies over an open store and blob store, with gate runs in a pool of
 * worker threads within `budgets`. `close` stops the workers.
 */
export function appDeps(
  store: Store,
  blobs: BlobStore,
  budgets: GateRunBudgets,
  uploads: { quota?: UploadQuota; evidenceFilesPerVersion?: number } = {},
): AppDeps & { gateRunner: GateWorkerPool } {
  return {
    store,
    blobs,
    gateRunner: new GateWorkerPool({ blobs, budgets }),
    gateResults: new GateResultCache(),
    lineageReadings: new LineageReadings(),
    clock: systemClock,
    ids: uuidV7(),
    tokens: apiTokenIssuer,
    hotReads: hotReads(store),
    ...(uploads.quota ? { uploadQuota: uploads.quota } : {}),
    ...(uploads.evidenceFilesPerVersion !== undefined
      ? { evidenceFilesPerVersion: uploads.evidenceFilesPerVersion }
      : {}),
  };
}

/** The per-user upload quota from Config. */
export function uploadQuotaOf(config: Config): UploadQuota {
  return { bytes: config.uploadQuotaBytes, windowSeconds: config.uploadQuotaWindowSeconds };
}
