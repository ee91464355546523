/**
 * Rollouts' part of the store contract: a rollout row round-trips its spec and reducer state; the
 * database keeps one running or paused rollout per model; an observation batch is stored once
 * per (rollout, batch id), a second attempt answers the stored digest; points come back with
 * their arrival times.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/app/shared/ports.js';
import type { RolloutRecord } from '../../src/app/shared/rollout-ports.js';
import { isClearanceError, type RolloutSpec } from '../../src/domain/index.js';
import { startRollout } from '../../src/rollout/index.js';
import { at, draft, model, policy, request, unique, version } from './fixtures.js';
import { errorOf } from './store-contract.js';

const spec: RolloutSpec = {
  steps: [{ traffic: 10, duration: '48h' }],
  triggers: [
    {
      metric: 'error_rate',
      series: 'error_rate',
      op: '>=',
      threshold: 0.005,
      period: '5m',
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissing: 'missing',
      minSamples: 0,
      compare: 'absolute',
      statistic: 'rate',
      confidence: 0.95,
    },
  ],
  consecutiveErrorLimit: 4,
  lateness: '5m',
};

export function rolloutContract(store: () => Store): void {
  /** A model with a version and an executed request, and a rollout record for them. */
  async function seeded(): Promise<RolloutRecord> {
    const p = policy();
    const m = model(p.digest);
    const v = version(m.name);
    const r = request(v, { status: 'executed' });
    await store().transaction(async (tx) => {
      await tx.policies.insert(p);
      await tx.models.insert(m);
      await tx.versions.insert(v, draft(v));
      await tx.requests.insert(r);
    });
    return {
      id: unique('ro'),
      model: m.name,
      version: v.version,
      controlVersion: 'b1',
      requestId: r.id,
      from: 'staging',
      policyDigest: p.digest,
      spec,
      state: startRollout(spec, Date.parse(at)).state,
      baselines: { score: [0.1, 0.2] },
      startedAt: at,
      startedBy: 'ci',
      updatedAt: at,
    };
  }

  describe('rollouts', () => {
    it('round-trips a rollout and its state, and lists it by status and model', async () => {
      const rollout = await seeded();
      await store().transaction((tx) => tx.rollouts.insert(rollout));
      expect(await store().read((tx) => tx.rollouts.get(rollout.id))).toEqual(rollout);
      const paused = {
        ...rollout,
        state: { ...rollout.state, status: 'paused' as const, pausedBy: 'manual' as const },
        updatedAt: '2026-03-01T11:00:00.000Z',
      };
      await store().transaction((tx) => tx.rollouts.update(paused));
      expect(await store().read((tx) => tx.rollouts.get(rollout.id))).toEqual(paused);
      const listed = await store().read((tx) =>
        tx.rollouts.list({ model: rollout.model, status: ['paused'] }),
      );
      expect(listed.map((r) => r.id)).toEqual([rollout.id]);
      expect(
        await store().read((tx) => tx.rollouts.list({ model: rollout.model, status: [] })),
      ).toEqual([]);
    });

    it('keeps one running or paused rollout per model', async () => {
      const first = await seeded();
      await store().transaction((tx) => tx.rollouts.insert(first));
      const second = { ...first, id: unique('ro') };
      const error = await errorOf(store().transaction((tx) => tx.rollouts.insert(second)));
      expect(isClearanceError(error) && error.code).toBe('conflict');
      await store().transaction((tx) =>
        tx.rollouts.update({ ...first, state: { ...first.state, status: 'rolled_back' } }),
      );
      await store().transaction((tx) => tx.rollouts.insert(second));
      expect((await store().read((tx) => tx.rollouts.get(second.id)))?.state.status).toBe(
        'running',
      );
    });

    it('stores a batch once per batch id and gives back its points with their arrival', async () => {
      const rollout = await seeded();
      await store().transaction((tx) => tx.rollouts.insert(rollout));
      const points = [
        { series: 'ctr', arm: 'candidate' as const, at: 1, receivedAt: 2, successes: 3, trials: 9 },
        {
          series: 'lat',
          arm: 'control' as const,
          at: 1,
          receivedAt: 2,
          values: [1.5, 2],
          counts: [3, 1],
        },
      ];
      const batch = {
        rolloutId: rollout.id,
        batchId: 'b1',
        digest: 'sha256:one',
        points,
        receivedAt: at,
      };
      expect(await store().transaction((tx) => tx.rollouts.addBatch(batch))).toEqual({
        added: true,
      });
      expect(
        await store().transaction((tx) => tx.rollouts.addBatch({ ...batch, digest: 'sha256:two' })),
      ).toEqual({ added: false, digest: 'sha256:one' });
      expect(await store().read((tx) => tx.rollouts.points(rollout.id))).toEqual(points);
      const later = {
        ...batch,
        batchId: 'b0',
        points: points.slice(0, 1),
        receivedAt: new Date(Date.parse(at) + 60_000).toISOString(),
      };
      await store().transaction((tx) => tx.rollouts.addBatch(later));
      const byRollout = await store().read((tx) =>
        tx.rollouts.pointsOf([rollout.id, 'ro-without-points']),
      );
      // Per rollout in arrival order (then batch id), as `points` gives them; none → [].
      expect(byRollout.get(rollout.id)).toEqual([...points, points[0]]);
      expect(byRollout.get('ro-without-points')).toEqual([]);
      expect(await store().read((tx) => tx.rollouts.points(rollout.id))).toEqual(
        byRollout.get(rollout.id),
      );
    });
  });
}
