/**
 * Rollouts whose policy names `rollout.sources` pull their KPIs at each sweep through the
 * `KpiSource` port: chunk by chunk, each stored once, retried while the source fails and the
 * chunk's lateness lasts. The Prometheus adapter behind the port is tested against a real
 * Prometheus in test/kpi-sources; here the port is a deterministic source over simulated time,
 * so the sweep's bookkeeping is what is under test.
 */
import { expect, it } from 'vitest';
import {
  evaluateRollouts,
  getRollout,
  ingestObservations,
  type KpiPull,
  type KpiPullRequest,
  type KpiSource,
} from '../../src/app/index.js';
import type { ClearanceError } from '../../src/domain/index.js';
import { forEachStore, people, readAudit, refusal, type StoreHarness } from './harness.js';
import { minute, startRecommenderCanary } from './rollout-fixture.js';

/** The recommender policy with its error rate pulled from Prometheus (candidate arm). */
const withErrorSource = (text: string) =>
  text.replace(
    '        - { metric: error_rate, op: ">=", threshold: 0.005, period: 5m, sustainedFor: 15m }\n',
    `        - { metric: error_rate, op: ">=", threshold: 0.005, period: 5m, sustainedFor: 15m }
      sources:
        error_rate:
          prometheus:
            candidate:
              successes: 'sum(increase(errors_total{version="{version}"}[{step}]))'
              trials: 'sum(increase(requests_total{version="{version}"}[{step}]))'
`,
  );

/** One point per minute of [from, to): 1,000 requests, `errorRate(at)` of them failing. */
class MinuteSource implements KpiSource {
  readonly calls: KpiPullRequest[] = [];
  failing = false;
  constructor(private readonly errorRate: (at: number) => number) {}
  async pull(request: KpiPullRequest): Promise<KpiPull> {
    this.calls.push(request);
    if (this.failing) {
      return {
        points: [],
        problems: [{ series: 'error_rate', arm: 'candidate', reason: 'Prometheus did not answer' }],
      };
    }
    const points: KpiPull['points'] = [];
    for (let at = request.from; at < request.to; at += minute) {
      points.push({
        series: 'error_rate',
        arm: 'candidate',
        at,
        receivedAt: request.receivedAt,
        successes: Math.round(1000 * this.errorRate(at)),
        trials: 1000,
      });
    }
    return { points, problems: [] };
  }
}

async function sweep(h: StoreHarness, source: KpiSource, at: number) {
  h.clock.set(new Date(at));
  return evaluateRollouts({ ...h.deps, kpiSource: source }, { now: new Date(at) });
}

forEachStore('rollout KPIs pulled from the policy sources', (open) => {
  it('pulls each ended chunk once, with the candidate version, and never again', async () => {
    const h = await open();
    const { rolloutId, startedAt } = await startRecommenderCanary(h, { policy: withErrorSource });
    const source = new MinuteSource(() => 0.001);
    await sweep(h, source, startedAt + 22 * minute);
    // Chunks are 5 minutes (the shortest trigger period): four have ended by minute 22.
    expect(source.calls.map((c) => (c.from - startedAt) / minute)).toEqual([0, 5, 10, 15]);
    expect(source.calls[0]).toMatchObject({ candidateVersion: 'c1', controlVersion: 'b1' });
    expect(source.calls.every((c) => c.to - c.from === 5 * minute)).toBe(true);
    await sweep(h, source, startedAt + 24 * minute);
    expect(source.calls).toHaveLength(4);
    await sweep(h, source, startedAt + 25 * minute);
    expect(source.calls).toHaveLength(5);
    const view = await getRollout(h.deps, people.mlops, { rolloutId });
    expect(view.status).toBe('running');
  });

  it('rolls back on pulled error rates sustained for 15 minutes', async () => {
    const h = await open();
    const { rolloutId, startedAt } = await startRecommenderCanary(h, { policy: withErrorSource });
    const breachFrom = startedAt + 30 * minute;
    const source = new MinuteSource((at) => (at >= breachFrom ? 0.01 : 0.001));
    let status = 'running';
    let at = startedAt;
    while (status === 'running' && at < startedAt + 120 * minute) {
      at += minute;
      const [outcome] = await sweep(h, source, at);
      status = outcome?.status ?? status;
    }
    expect(status).toBe('rolled_back');
    // Three breaching 5-minute windows (30–45 min), decided at the third's end plus 5 min lateness.
    expect(at).toBe(breachFrom + 20 * minute);
    const rolledBack = (await readAudit(h)).find((e) => e.action === 'rollout.rolled_back');
    expect(rolledBack?.data).toMatchObject({ trigger: 'error_rate', cause: 'fail' });
    expect((await getRollout(h.deps, people.mlops, { rolloutId })).status).toBe('rolled_back');
  });

  it('retries a chunk the source could not read until its lateness has passed, then stores it', async () => {
    const h = await open();
    const { startedAt } = await startRecommenderCanary(h, { policy: withErrorSource });
    const source = new MinuteSource(() => 0.001);
    source.failing = true;
    const [first] = await sweep(h, source, startedAt + 6 * minute);
    expect(first?.pullProblems).toEqual([
      {
        series: 'error_rate',
        arm: 'candidate',
        reason: 'Prometheus did not answer',
        batchId: 'pull:0',
      },
    ]);
    await sweep(h, source, startedAt + 8 * minute);
    // Chunk 0 [0, 5) is asked again (not stored: it failed within its lateness).
    expect(source.calls.filter((c) => c.from === startedAt)).toHaveLength(2);
    source.failing = false;
    await sweep(h, source, startedAt + 9 * minute);
    expect(source.calls.filter((c) => c.from === startedAt)).toHaveLength(3);
    // Read at last, it is stored: the next sweep asks for chunk 0 no more.
    await sweep(h, source, startedAt + 9 * minute + 1);
    expect(source.calls.filter((c) => c.from === startedAt)).toHaveLength(3);
    // A chunk that still fails once its lateness is over is stored empty (missing data); one
    // still within its lateness is asked again.
    source.failing = true;
    await sweep(h, source, startedAt + 20 * minute);
    await sweep(h, source, startedAt + 21 * minute);
    const asked = (fromMinute: number) =>
      source.calls.filter((c) => c.from === startedAt + fromMinute * minute).length;
    expect([asked(5), asked(10), asked(15)]).toEqual([1, 1, 2]);
  });

  it('refuses a posted batch whose id is reserved for pulled chunks, storing nothing', async () => {
    const h = await open();
    const { rolloutId, startedAt } = await startRecommenderCanary(h, { policy: withErrorSource });
    h.clock.set(new Date(startedAt + minute));
    const error = await refusal(
      ingestObservations(h.deps, people.mlops, {
        rolloutId,
        batchId: 'pull:0',
        points: [
          {
            series: 'error_rate',
            arm: 'candidate',
            at: new Date(startedAt).toISOString(),
            successes: 1,
            trials: 10,
          },
        ],
      }),
    );
    expect((error as ClearanceError).code).toBe('invalid_input');
    expect(error.message).toContain('pull:');
    const points = await h.store.read((tx) => tx.rollouts.points(rolloutId));
    expect(points).toHaveLength(0);
  });
});
