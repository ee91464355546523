import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RolloutSpec } from '../../src/domain/index.js';
import { parsePolicy } from '../../src/policy/index.js';
import {
  advanceRollout,
  type ObservationPoint,
  reduceRollout,
  startRollout,
} from '../../src/rollout/index.js';
import { createRng } from '../../src/stats/index.js';
import { countPoint, effectsOf, exampleRollout, hour, minute, simulate, t0 } from './simulate.js';

function rolloutOf(yaml: string): RolloutSpec {
  const text = `apiVersion: clearance/v1\nkind: Policy\nmetadata: { name: p, riskTier: medium }\ntransitions:\n  - from: staging\n    to: production\n    requestedBy: [mlops]\n    approvals: [{ role: owner }]\n    rollout:\n${yaml}`;
  const result = parsePolicy(text, 'p.yaml');
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('\n'));
  return result.policy.transitions[0]!.rollout!;
}

const normal = (rng: ReturnType<typeof createRng>, mean: number, sd: number): number =>
  mean +
  sd * Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());

describe('drift triggers', () => {
  const spec = rolloutOf(
    '      canary: { traffic: 10, duration: 6h }\n      triggers:\n        - { metric: score, compare: drift, statistic: psi, op: ">=", threshold: 0.2, period: 1h, minSamples: 500 }\n        - { metric: score, compare: drift, statistic: ks, op: ">=", threshold: 0.15, period: 1h, sustainedFor: 2h }\n',
  );
  const rng = createRng(7);
  const baseline = Float64Array.from({ length: 5000 }, () => normal(rng, 0.3, 0.1));
  const scores =
    (mean: (from: number) => number) =>
    (from: number, to: number): ObservationPoint[] => [
      {
        series: 'score',
        arm: 'candidate',
        at: from,
        receivedAt: to,
        values: Array.from({ length: 200 }, () => normal(rng, mean(from), 0.1)),
      },
    ];

  it('parses with the drift_baseline evidence as the default baseline', () => {
    expect(spec.triggers[0]).toMatchObject({
      compare: 'drift',
      statistic: 'psi',
      series: 'score',
      baseline: 'drift_baseline',
    });
    expect(spec.triggers[1]).toMatchObject({
      statistic: 'ks',
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
    });
  });

  it('passes a live distribution like the baseline and completes', () => {
    const sim = simulate({
      spec,
      until: 8 * hour,
      traffic: scores(() => 0.3),
      driftBaselines: { score: baseline },
    });
    expect(sim.state.status).toBe('completed');
  });

  it('fires on a shifted score distribution, with PSI as the statistic', () => {
    const sim = simulate({
      spec,
      until: 8 * hour,
      traffic: scores((from) => (from >= t0 + 2 * hour ? 0.42 : 0.3)),
      driftBaselines: { score: baseline },
    });
    const [rollback] = effectsOf(sim.effects, 'rolledBack');
    expect(rollback).toMatchObject({
      metric: 'score',
      statistic: 'psi',
      window: { index: 2 },
      metrics: ['score'],
    });
    expect(rollback?.observed.value).toBeGreaterThan(0.2);
  });

  it('errors without a saved baseline, and rolls back after four such windows', () => {
    const sim = simulate({ spec, until: 8 * hour, traffic: scores(() => 0.3) });
    const [rollback] = effectsOf(sim.effects, 'rolledBack');
    expect(rollback).toMatchObject({ cause: 'errors', window: { index: 3 } });
    expect(rollback?.explanation).toContain('no drift_baseline baseline');
  });
});

describe('error-budget burn-rate triggers (SRE workbook, multiwindow)', () => {
  const spec = rolloutOf(
    '      canary: { traffic: 10, duration: 6h }\n      triggers:\n        - { metric: errors, compare: burnRate, slo: 0.995, op: ">=", threshold: 14.4, period: 5m, longWindow: 1h }\n',
  );
  const requests = (rate: (from: number) => number) => (from: number, to: number) => [
    countPoint({
      series: 'errors',
      arm: 'candidate',
      from,
      to,
      successes: 10_000 * rate(from),
      trials: 10_000,
    }),
  ];

  it('fires when both the 5-minute and the 1-hour burn rates reach 14.4', () => {
    const sim = simulate({
      spec,
      until: 8 * hour,
      traffic: requests((from) => (from >= t0 + 2 * hour ? 0.1 : 0.001)),
    });
    const [rollback] = effectsOf(sim.effects, 'rolledBack');
    // 10% errors burn at 20; the 1-hour window reaches 14.4 after 44 minutes (9 windows of 5).
    expect(rollback?.observed.value).toBeCloseTo(20, 9);
    expect(rollback?.observed.longValue).toBeGreaterThanOrEqual(14.4);
    expect(rollback?.window.start).toBe(t0 + 2 * hour + 40 * minute);
  });

  it('does not fire on a short spike that leaves the 1-hour burn under 14.4', () => {
    const sim = simulate({
      spec,
      until: 8 * hour,
      traffic: requests((from) =>
        from >= t0 + 2 * hour && from < t0 + 2 * hour + 5 * minute ? 0.5 : 0.001,
      ),
    });
    expect(sim.state.status).toBe('completed');
    const spike = effectsOf(sim.effects, 'windowDecided').find(
      (w) => w.result.window.start === t0 + 2 * hour,
    );
    expect(spike?.result.observed.value).toBeCloseTo(100, 9);
    expect(spike?.result.verdict).toBe('pass');
  });
});

describe('canary steps and manual actions', () => {
  const spec = rolloutOf(
    '      steps: [{ traffic: 5, duration: 1h }, { traffic: 25, duration: 2h }, { traffic: 50, duration: 2h }]\n      triggers:\n        - { metric: error_rate, op: ">=", threshold: 0.005, period: 15m, treatMissing: notBreaching }\n',
  );

  it('moves traffic 5% → 25% → 50% at the end of each step, then completes at 100%', () => {
    const sim = simulate({ spec, until: 7 * hour, traffic: () => [] });
    expect(effectsOf(sim.effects, 'trafficChanged').map((e) => [e.at - t0, e.to])).toEqual([
      [0, 5],
      [hour, 25],
      [3 * hour, 50],
    ]);
    expect(effectsOf(sim.effects, 'completed')[0]?.at).toBe(t0 + 5 * hour + 5 * minute);
  });

  it('stops the step clock while paused, and resumes it', () => {
    let state = startRollout(spec, t0).state;
    state = reduceRollout(spec, state, { type: 'pause', at: t0 + 30 * minute, actor: 'ops' }).state;
    const resumed = reduceRollout(spec, state, {
      type: 'resume',
      at: t0 + 90 * minute,
      actor: 'ops',
    });
    expect(resumed.effects).toEqual([{ type: 'resumed', at: t0 + 90 * minute, actor: 'ops' }]);
    const later = reduceRollout(spec, resumed.state, {
      type: 'tick',
      at: t0 + 2 * hour + 5 * minute,
    });
    expect(later.effects).toEqual([
      { type: 'trafficChanged', at: t0 + 2 * hour, step: 1, from: 5, to: 25 },
    ]);
  });

  it('promotes now or aborts from running or paused, and ignores everything once finished', () => {
    const start = startRollout(spec, t0).state;
    const promoted = reduceRollout(spec, start, {
      type: 'promote',
      at: t0 + minute,
      actor: 'lead',
    });
    expect(promoted.state).toMatchObject({ status: 'completed', traffic: 100 });
    expect(promoted.effects).toEqual([
      { type: 'completed', at: t0 + minute, cause: 'promoted', actor: 'lead' },
    ]);
    const paused = reduceRollout(spec, start, {
      type: 'pause',
      at: t0 + minute,
      actor: 'ops',
    }).state;
    const aborted = reduceRollout(spec, paused, {
      type: 'abort',
      at: t0 + 2 * minute,
      actor: 'ops',
      reason: 'bad feel',
    });
    expect(aborted.state).toMatchObject({ status: 'aborted', traffic: 0 });
    expect(aborted.state.pausedBy).toBeUndefined();
    for (const event of [
      { type: 'resume', at: t0 + hour, actor: 'x' },
      { type: 'promote', at: t0 + hour, actor: 'x' },
      { type: 'tick', at: t0 + 9 * hour },
    ] as const) {
      expect(reduceRollout(spec, aborted.state, event)).toEqual({
        state: aborted.state,
        effects: [],
      });
    }
    expect(
      advanceRollout({ spec, state: aborted.state, points: [], now: t0 + 9 * hour }).effects,
    ).toEqual([]);
  });

  it('reaches the same state whether the scheduler runs every minute or once (property)', () => {
    const ratio = exampleRollout('recommender');
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            minuteAt: fc.integer({ min: 0, max: 6 * 60 }),
            delay: fc.integer({ min: 0, max: 30 }),
            errors: fc.integer({ min: 0, max: 40 }),
            arm: fc.constantFrom('candidate' as const, 'control' as const),
          }),
          { maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 60 }),
        (raw, everyMinutes) => {
          const points = raw.map((p) => ({
            series: 'error_rate',
            arm: p.arm,
            at: t0 + p.minuteAt * minute,
            receivedAt: t0 + (p.minuteAt + p.delay) * minute,
            successes: p.errors,
            trials: 1000,
          }));
          const end = t0 + 7 * hour;
          const once = advanceRollout({
            spec: ratio,
            state: startRollout(ratio, t0).state,
            points,
            now: end,
          });
          let state = startRollout(ratio, t0).state;
          const effects = [];
          for (let now = t0; now <= end; now += everyMinutes * minute) {
            const seen = points.filter((p) => p.receivedAt <= now);
            const step = advanceRollout({ spec: ratio, state, points: seen, now });
            state = step.state;
            effects.push(...step.effects);
          }
          const last = advanceRollout({ spec: ratio, state, points, now: end });
          effects.push(...last.effects);
          expect({ ...last.state, at: 0 }).toEqual({ ...once.state, at: 0 });
          expect(effects.filter((e) => e.type !== 'windowDecided').map((e) => e.type)).toEqual(
            once.effects.filter((e) => e.type !== 'windowDecided').map((e) => e.type),
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('the other examples mean what the source document says', () => {
  it('ride-sharing: p95 latency > 200 ms for 15 minutes reads the latency_ms values', () => {
    const spec = exampleRollout('ride-sharing-eta');
    expect(spec.triggers[0]).toMatchObject({
      metric: 'latency_p95_ms',
      series: 'latency_ms',
      statistic: 'p95',
      compare: 'absolute',
      op: '>',
      threshold: 200,
      period: '5m',
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    });
    expect(spec.triggers[1]).toMatchObject({
      metric: 'mae',
      statistic: 'mean',
      compare: 'relativeToControl',
      op: '>=',
      threshold: 0.05,
    });
  });

  it('ride-sharing: fires on a p95 of 230 ms sustained for 15 minutes', () => {
    const spec = exampleRollout('ride-sharing-eta');
    const rng = createRng(3);
    const sim = simulate({
      spec: { ...spec, triggers: [spec.triggers[0]!] },
      until: 26 * hour,
      traffic: (from, to) => [
        {
          series: 'latency_ms',
          arm: 'candidate',
          at: from,
          receivedAt: to,
          values: Array.from(
            { length: 300 },
            () => -(from >= t0 + 3 * hour ? 77 : 40) * Math.log(1 - rng.nextFloat()),
          ),
        },
      ],
    });
    const [rollback] = effectsOf(sim.effects, 'rolledBack');
    expect(rollback).toMatchObject({
      metric: 'latency_p95_ms',
      statistic: 'p95',
      window: { start: t0 + 3 * hour + 10 * minute },
    });
  });

  it('fraud: 5% canary for 72 h; FPR +10% vs control over 6 h; errors ≥ 0.5% for 15 min', () => {
    const spec = exampleRollout('fraud');
    expect(spec.steps).toEqual([{ traffic: 5, duration: '72h' }]);
    expect(
      spec.triggers.map((t) => [t.metric, t.compare, t.op, t.threshold, t.evaluationPeriods]),
    ).toEqual([
      ['fpr', 'relativeToControl', '>=', 0.1, 6],
      ['support_tickets_per_1k_txn', 'relativeToControl', '>=', 0.15, 2],
      ['error_rate', 'absolute', '>=', 0.005, 3],
    ]);
  });
});
