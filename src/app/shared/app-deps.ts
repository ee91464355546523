import type { GateResultCache } from '../gate-evaluation/gate-result-cache.js';
import type { AccessDenialThrottle } from '../identity/access-denials.js';
import type { UploadQuota } from '../registry/upload-quota.js';
import type { KpiSource } from './kpi-source-port.js';
import type { LineageReadings } from './lineage-readings.js';
import type { NotificationSettings } from './notification-ports.js';
import type { BlobStore, Clock, GateRunner, IdGenerator, Store, TokenIssuer } from './ports.js';
import type { HotReads } from './read-cache.js';

/** Everything a use case needs from outside; `compose.ts` builds it, tests pass fakes. */
export interface AppDeps {
  store: Store;
  blobs: BlobStore;
  /** Evaluates gate runs (the server: worker threads with a time and memory budget). */
  gateRunner: GateRunner;
  /**
   * Gate results by the digest of their input (ADR 014). With it, requests and executions
   * evaluate their gates before their write transaction, which reuses the result when it reads
   * the same input under its lock; without it (tests of single use cases) they evaluate inside.
   */
  gateResults?: GateResultCache;
  /**
   * Lineage blobs' trainers by blob digest (ADR 020), read once per blob for separation of
   * duties; without it every approval and execution reads the blob again.
   */
  lineageReadings?: LineageReadings;
  clock: Clock;
  ids: IdGenerator;
  tokens: TokenIssuer;
  /**
   * Bounds `access.denied` entries (access-denials.ts); `clearance serve` sets it. Without it
   * every denial is written one by one (single-shot CLI commands, tests of single refusals).
   */
  denials?: AccessDenialThrottle;
  /** Per-user upload quota; none when absent (tests that do not exercise it). */
  uploadQuota?: UploadQuota;
  /** Evidence files one version may hold (`maxEvidenceFilesPerVersion`); 1,000 when absent. */
  evidenceFilesPerVersion?: number;
  /**
   * Evidence pack downloads streamed at once (`maxConcurrentEvidencePacks`); past it a download
   * is refused `busy`. 4 when absent.
   */
  evidencePackDownloads?: number;
  /**
   * Seconds a pack download may go without its archive moving before it is cut off
   * (`evidencePackStallSeconds`); 60 when absent.
   */
  evidencePackStallSeconds?: number;
  /**
   * Webhook, Slack and email delivery with the configuration's routing rules; the server and the
   * CLI always set it. Without it, subscriptions cannot be created and events are settled with
   * no deliveries.
   */
  notifications?: NotificationSettings;
  /**
   * Where rollouts whose policy names `rollout.sources` pull their KPIs (Prometheus, from
   * `prometheusUrl`); without it those rollouts read only the KPIs posted to them.
   */
  kpiSource?: KpiSource;
  /**
   * The MLflow-compatible API's settings (`compose.ts`, from Config); without them no alias is
   * governed and links start with the default public URL.
   */
  mlflow?: MlflowSettings;
  /**
   * How many tags a registered model and a model version, and how many plain aliases a model,
   * may hold (`mlflow/metadata-limits.ts`); its defaults when absent.
   */
  mlflowLimits?: MlflowMetadataLimits;
  /**
   * The hot reads (one model, one version, the serving view) kept in memory until the next
   * commit (`read-cache.ts`); `compose.ts` sets it. Without it every read goes to the store.
   */
  hotReads?: HotReads;
}

export interface MlflowSettings {
  /** Aliases that name the production version: setting one asks for a production transition. */
  governedAliases: readonly string[];
  /** The server's URL as people reach it: refusals link to the transition request under it. */
  publicUrl: string;
}

/** From Config: `maxTagsPerRegisteredModel`, `maxTagsPerModelVersion`, `maxAliasesPerRegisteredModel`. */
export interface MlflowMetadataLimits {
  tagsPerModel: number;
  tagsPerVersion: number;
  aliasesPerModel: number;
}
