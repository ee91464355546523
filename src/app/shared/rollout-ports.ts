/**
 * Ports of canary rollouts: the rollout rows (spec and reducer state as the pure core keeps them)
 * and the KPI observation batches posted to them. Repositories on `tx` like every other write, so
 * a batch, the evaluation it triggers and the serving change it causes commit together.
 */
import type { RolloutSpec } from '../../domain/index.js';
import type { ObservationPoint, RolloutState, RolloutStatus } from '../../rollout/index.js';

/** A canary of one version of one model against the production version it would replace. */
export interface RolloutRecord {
  id: string;
  model: string;
  /** The candidate version (the canary arm). */
  version: string;
  /** The production version when it started (the control arm); none for a first release. */
  controlVersion?: string;
  /** The executed transition request that started it. */
  requestId: string;
  /** The state the candidate is promoted from when the canary completes. */
  from: string;
  policyDigest: string;
  spec: RolloutSpec;
  state: RolloutState;
  /** Drift triggers' baseline values by series, read from the evidence when it started. */
  baselines: Record<string, number[]>;
  startedAt: string;
  startedBy: string;
  updatedAt: string;
}

/** A batch of points as stored: the points carry their own `receivedAt`. */
export interface ObservationBatch {
  rolloutId: string;
  batchId: string;
  /** SHA-256 of the batch's canonical points: the same id with other points is a conflict. */
  digest: string;
  points: ObservationPoint[];
  receivedAt: string;
}

export interface RolloutRepository {
  /** A second running or paused rollout of the same model is a conflict. */
  insert(rollout: RolloutRecord): Promise<void>;
  /** With `forUpdate`, the row is locked until the transaction ends. */
  get(id: string, options?: { forUpdate?: boolean }): Promise<RolloutRecord | undefined>;
  /** Replaces the state (and with it the status) and `updatedAt`. */
  update(rollout: RolloutRecord): Promise<void>;
  /** Oldest first. */
  list(filter: { status?: readonly RolloutStatus[]; model?: string }): Promise<RolloutRecord[]>;
  /**
   * Stores the batch unless one with its id is already stored for the rollout; then answers the
   * stored batch's digest (the caller tells a retry from a conflicting reuse of the id).
   */
  addBatch(batch: ObservationBatch): Promise<{ added: true } | { added: false; digest: string }>;
  /** Ids of the rollout's stored batches that start with `prefix`, in order. */
  batchIds(rolloutId: string, prefix: string): Promise<string[]>;
  /** Every point stored for the rollout, late ones included. */
  points(rolloutId: string): Promise<ObservationPoint[]>;
  /** `points` of several rollouts at once (a sweep's chunk); a rollout with none maps to []. */
  pointsOf(rolloutIds: readonly string[]): Promise<Map<string, ObservationPoint[]>>;
}
