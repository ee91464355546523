import type {
  ObservationBatch,
  RolloutRecord,
  RolloutRepository,
} from '../../src/app/shared/rollout-ports.js';
import { ClearanceError } from '../../src/domain/index.js';

export interface RolloutsState {
  rollouts: Map<string, RolloutRecord>;
  observations: ObservationBatch[];
}

export function emptyRollouts(): RolloutsState {
  return { rollouts: new Map(), observations: [] };
}

const copy = <T>(value: T): T => structuredClone(value);
const active = (r: RolloutRecord) => r.state.status === 'running' || r.state.status === 'paused';

/** The fake's rollouts: the same one-active-per-model rule and batch keys as the database. */
export function rolloutRepo(s: RolloutsState): { rollouts: RolloutRepository } {
  return {
    rollouts: {
      async insert(rollout) {
        const clash = [...s.rollouts.values()].some(
          (r) => r.id === rollout.id || (r.model === rollout.model && active(r) && active(rollout)),
        );
        if (clash) {
          throw new ClearanceError('conflict', 'Another rollout with the same key already exists.');
        }
        s.rollouts.set(rollout.id, copy(rollout));
      },
      get: async (id) => copy(s.rollouts.get(id)),
      async update(rollout) {
        const stored = s.rollouts.get(rollout.id);
        if (!stored) return;
        s.rollouts.set(rollout.id, {
          ...stored,
          state: copy(rollout.state),
          updatedAt: rollout.updatedAt,
        });
      },
      list: async (filter) =>
        [...s.rollouts.values()]
          .filter((r) => filter.status === undefined || filter.status.includes(r.state.status))
          .filter((r) => filter.model === undefined || r.model === filter.model)
          .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id))
          .map(copy),
      batchIds: async (rolloutId, prefix) =>
        s.observations
          .filter((b) => b.rolloutId === rolloutId && b.batchId.startsWith(prefix))
          .map((b) => b.batchId)
          .sort(),
      async addBatch(batch) {
        const stored = s.observations.find(
          (b) => b.rolloutId === batch.rolloutId && b.batchId === batch.batchId,
        );
        if (stored) return { added: false, digest: stored.digest };
        s.observations.push(copy(batch));
        return { added: true };
      },
      points: async (rolloutId) =>
        s.observations
          .filter((b) => b.rolloutId === rolloutId)
          .sort(
            (a, b) =>
              a.receivedAt.localeCompare(b.receivedAt) || a.batchId.localeCompare(b.batchId),
          )
          .flatMap((b) => copy(b.points)),
      pointsOf: async (rolloutIds) =>
        new Map(
          rolloutIds.map((id) => [
            id,
            s.observations
              .filter((b) => b.rolloutId === id)
              .sort(
                (a, b) =>
                  a.receivedAt.localeCompare(b.receivedAt) || a.batchId.localeCompare(b.batchId),
              )
              .flatMap((b) => copy(b.points)),
          ]),
        ),
    },
  };
}
