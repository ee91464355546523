/**
 * The port a rollout's evaluation pulls KPI points through (`src/kpi-sources/` implements it for
 * Prometheus). A source never throws for what it was asked: a series it could not read comes back
 * as a problem, and the evaluation treats its windows as having no data (the trigger's
 * `treatMissing`), so an unreachable or misconfigured source never crashes a sweep.
 */
import type { KpiSeriesSource } from '../../domain/policy.js';
import type { Arm, ObservationPoint } from '../../rollout/index.js';

export interface KpiPullRequest {
  model: string;
  candidateVersion: string;
  /** The version serving the rest of the traffic; without it, no control points are pulled. */
  controlVersion?: string;
  /** The rollout policy's `sources`, by series. */
  sources: Readonly<Record<string, KpiSeriesSource>>;
  /** Points measured in [from, to) (ms since the epoch), only from steps complete by `receivedAt`. */
  from: number;
  to: number;
  /** The pull's time: every point's `receivedAt`, and the end of what may be read. */
  receivedAt: number;
}

/** Why one arm of one series could not be read; its points are left out, not guessed. */
export interface KpiPullProblem {
  series: string;
  arm: Arm;
  reason: string;
}

export interface KpiPull {
  points: ObservationPoint[];
  problems: KpiPullProblem[];
}

export interface KpiSource {
  pull(request: KpiPullRequest): Promise<KpiPull>;
}
