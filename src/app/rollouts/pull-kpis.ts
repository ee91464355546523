/**
 * KPIs pulled from the sources a rollout policy names (`rollout.sources`, Prometheus through the
 * `KpiSource` port). The time since the rollout started is cut into chunks of its shortest
 * trigger period; chunk k is pulled once it has ended and stored as the batch `pull:k`, so each
 * is read once across sweeps and servers (a second store of the same id is a no-op). A chunk with
 * a series the source could not answer is pulled again at the next sweep until the policy's
 * `lateness` after its end; then what was read is stored and the rest counts as missing data
 * (the trigger's `treatMissing`). The network is never called inside a transaction.
 */
import { parseDuration } from '../../domain/duration.js';
import type { RolloutSpec } from '../../domain/policy.js';
import { isTerminal, type ObservationPoint } from '../../rollout/index.js';
import type { AppDeps } from '../shared/app-deps.js';
import type { KpiPullProblem } from '../shared/kpi-source-port.js';
import type { RolloutRecord } from '../shared/rollout-ports.js';
import { batchDigest, pullBatchPrefix } from './observation-batch.js';

/** At most this many chunks are pulled for one rollout in one sweep (a long outage catches up). */
const maxChunksPerSweep = 48;

export interface PulledChunk {
  batchId: string;
  points: ObservationPoint[];
  digest: string;
}

export interface KpiPullOutcome {
  chunks: PulledChunk[];
  /** Series the source could not read, for the server log; their chunks are retried or missing. */
  problems: (KpiPullProblem & { batchId: string })[];
}

/** The chunk length: the shortest trigger period, so no window waits on a longer pull. */
function pullChunkMs(spec: RolloutSpec): number {
  const periods = spec.triggers.map((t) => parseDuration(t.period) ?? Number.POSITIVE_INFINITY);
  return Math.min(...periods);
}

/** Pulls every chunk of the rollout that has ended and is not stored yet (outside any transaction). */
export async function pullDueKpis(
  deps: AppDeps,
  rollout: RolloutRecord,
  now: Date,
): Promise<KpiPullOutcome> {
  const source = deps.kpiSource;
  const sources = rollout.spec.sources;
  const outcome: KpiPullOutcome = { chunks: [], problems: [] };
  if (!source || !sources || Object.keys(sources).length === 0) return outcome;
  if (isTerminal(rollout.state.status)) return outcome;
  const chunkMs = pullChunkMs(rollout.spec);
  if (!Number.isFinite(chunkMs) || chunkMs <= 0) return outcome;
  const latenessMs = parseDuration(rollout.spec.lateness) ?? 0;
  const startedAt = Date.parse(rollout.startedAt);
  const stored = new Set(
    await deps.store.read((tx) => tx.rollouts.batchIds(rollout.id, pullBatchPrefix)),
  );
  let pulled = 0;
  for (let k = 0; ; k++) {
    const from = startedAt + k * chunkMs;
    const to = from + chunkMs;
    if (to > now.getTime() || pulled >= maxChunksPerSweep) break;
    const batchId = `${pullBatchPrefix}${k}`;
    if (stored.has(batchId)) continue;
    pulled++;
    const answer = await source.pull({
      model: rollout.model,
      candidateVersion: rollout.version,
      ...(rollout.controlVersion === undefined ? {} : { controlVersion: rollout.controlVersion }),
      sources,
      from,
      to,
      receivedAt: now.getTime(),
    });
    outcome.problems.push(...answer.problems.map((problem) => ({ ...problem, batchId })));
    const final = now.getTime() >= to + latenessMs;
    if (answer.problems.length > 0 && !final) continue;
    outcome.chunks.push({ batchId, points: answer.points, digest: batchDigest(answer.points) });
  }
  return outcome;
}
