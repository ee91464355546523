/**
 * KPI ingestion: a batch of points is stored (idempotent per batch id) and the rollout is brought
 * up to now in the same transaction, so a batch that completes a breaching window changes
 * serving before its response is sent.
 */
import { ClearanceError, type Principal } from '../../domain/index.js';
import { isTerminal } from '../../rollout/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import { advanceLocked } from './evaluate-rollouts.js';
import { checkBatch, type ObservationInput } from './observation-batch.js';
import { actOnRollout } from './rollout-access.js';
import { type RolloutView, rolloutView } from './rollout-view.js';

export interface IngestInput {
  rolloutId: string;
  batchId: string;
  points: ObservationInput[];
}

export interface IngestResult {
  batchId: string;
  /** Points stored by this call (0 when the batch was already stored). */
  accepted: number;
  /** The same batch id with the same points was stored before: nothing was added. */
  duplicate: boolean;
  rollout: RolloutView;
}

export async function ingestObservations(
  deps: AppDeps,
  principal: Principal,
  input: IngestInput,
): Promise<IngestResult> {
  const { rolloutId, batchId } = input;
  return actOnRollout(
    deps,
    { principal, rolloutId, action: 'observe' },
    async (tx, { rollout }) => {
      const now = deps.clock.now();
      const { points, digest } = checkBatch({
        batchId,
        points: input.points,
        startedAt: Date.parse(rollout.startedAt),
        receivedAt: now.getTime(),
      });
      const stored = await tx.rollouts.addBatch({
        rolloutId,
        batchId,
        digest,
        points,
        receivedAt: now.toISOString(),
      });
      if (!stored.added) {
        if (stored.digest !== digest) {
          const message = `Batch ${batchId} of rollout ${rolloutId} was stored before with other points.`;
          throw new ClearanceError('conflict', message, {
            problems: [
              {
                message,
                fix: 'Give every distinct batch its own batchId; a retry sends the same points.',
              },
            ],
          });
        }
        return { batchId, accepted: 0, duplicate: true, rollout: rolloutView(rollout) };
      }
      if (isTerminal(rollout.state.status)) {
        const message = `Rollout ${rolloutId} is ${rollout.state.status}; it takes no more observations.`;
        throw new ClearanceError('precondition_failed', message, {
          problems: [{ message, fix: 'Stop sending KPIs for this rollout.' }],
        });
      }
      const after = await advanceLocked(deps, tx, { rollout, now });
      return { batchId, accepted: points.length, duplicate: false, rollout: rolloutView(after) };
    },
  );
}
