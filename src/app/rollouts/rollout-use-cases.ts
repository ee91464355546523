/** Canary rollouts as the edges call them: read, report KPIs, act on one. */
import type { Principal } from '../../domain/index.js';
import type { RolloutStatus } from '../../rollout/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { controlRollout, type RolloutActionInput } from './control-rollout.js';
import { type IngestInput, type IngestResult, ingestObservations } from './ingest-observations.js';
import { getRollout, listRollouts } from './rollout-queries.js';
import { type RolloutTimeline, rolloutTimeline } from './rollout-timeline.js';
import type { RolloutView } from './rollout-view.js';

export interface RolloutUseCases {
  getRollout(principal: Principal, input: { rolloutId: string }): Promise<RolloutView>;
  listRollouts(
    principal: Principal,
    input: { status?: RolloutStatus[]; model?: string },
  ): Promise<RolloutView[]>;
  /** Every decided window and change of state, from the audit log (the rollout page's charts). */
  rolloutTimeline(principal: Principal, input: { rolloutId: string }): Promise<RolloutTimeline>;
  /** Stores a KPI batch (idempotent per batch id) and evaluates the rollout at once. */
  postObservations(principal: Principal, input: IngestInput): Promise<IngestResult>;
  /** Pause, resume, abort or promote now. */
  controlRollout(principal: Principal, input: RolloutActionInput): Promise<RolloutView>;
}

export function bindRolloutUseCases(deps: AppDeps): RolloutUseCases {
  return {
    getRollout: (principal, input) => getRollout(deps, principal, input),
    listRollouts: (principal, input) => listRollouts(deps, principal, input),
    rolloutTimeline: (principal, input) => rolloutTimeline(deps, principal, input),
    postObservations: (principal, input) => ingestObservations(deps, principal, input),
    controlRollout: (principal, input) => controlRollout(deps, principal, input),
  };
}
