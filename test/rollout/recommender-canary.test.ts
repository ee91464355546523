import { describe, expect, it } from 'vitest';
import { reduceRollout } from '../../src/rollout/index.js';
import { countPoint, effectsOf, exampleRollout, hour, minute, simulate, t0 } from './simulate.js';

const spec = exampleRollout('recommender');

/**
 * A large recommender: per arm, 4.2 M impressions an hour at a 5% CTR, and 1 M requests an hour
 * at a 0.1% error rate. The interval of a relative change shrinks with the clicks, so a 1.2% drop
 * is told apart from a 1% one only with millions of clicks an hour; see docs/reference/rollouts.md.
 */
function traffic(options: {
  ctrDrop?: (from: number) => number;
  impressions?: (from: number) => number;
  errorRate?: (from: number) => number;
}) {
  return (from: number, to: number) => {
    const share = (to - from) / hour;
    const impressions = (options.impressions?.(from) ?? 42_000_000) * share;
    const drop = options.ctrDrop?.(from) ?? 0;
    const requests = 1_000_000 * share;
    const errors = options.errorRate?.(from) ?? 0.001;
    return [
      countPoint({
        series: 'ctr',
        arm: 'candidate',
        from,
        to,
        successes: impressions * 0.05 * (1 - drop),
        trials: impressions,
      }),
      countPoint({
        series: 'ctr',
        arm: 'control',
        from,
        to,
        successes: impressions * 0.05,
        trials: impressions,
      }),
      countPoint({
        series: 'error_rate',
        arm: 'candidate',
        from,
        to,
        successes: requests * errors,
        trials: requests,
      }),
      countPoint({
        series: 'error_rate',
        arm: 'control',
        from,
        to,
        successes: requests * 0.001,
        trials: requests,
      }),
    ];
  };
}

const during = (start: number, end: number, value: number) => (from: number) =>
  from >= t0 + start && from < t0 + end ? value : 0;

describe('the recommender canary (10% for 48 h; CTR −1% vs control for 2 h; errors ≥ 0.5% for 15 min)', () => {
  it('parses to what the source document says', () => {
    expect(spec.steps).toEqual([{ traffic: 10, duration: '48h' }]);
    expect(spec.triggers).toMatchObject([
      {
        metric: 'ctr',
        compare: 'relativeToControl',
        statistic: 'rate',
        op: '<=',
        threshold: -0.01,
        period: '1h',
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        minSamples: 20000,
        confidence: 0.95,
      },
      {
        metric: 'error_rate',
        compare: 'absolute',
        statistic: 'rate',
        op: '>=',
        threshold: 0.005,
        period: '5m',
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
      },
    ]);
  });

  it('completes a clean 48 h: traffic 10% then 100% once the last windows are decided', () => {
    const sim = simulate({ spec, until: 49 * hour, traffic: traffic({}) });
    expect(sim.state.status).toBe('completed');
    expect(sim.state.traffic).toBe(100);
    expect(effectsOf(sim.effects, 'trafficChanged')).toEqual([
      { type: 'trafficChanged', at: t0, step: 0, from: 0, to: 10 },
    ]);
    expect(effectsOf(sim.effects, 'completed')).toEqual([
      { type: 'completed', at: t0 + 48 * hour + 5 * minute, cause: 'steps' },
    ]);
    const windows = effectsOf(sim.effects, 'windowDecided');
    expect(windows.filter((w) => w.result.metric === 'ctr')).toHaveLength(48);
    expect(windows.filter((w) => w.result.metric === 'error_rate')).toHaveLength(48 * 12);
    expect(windows.every((w) => w.result.verdict === 'pass')).toBe(true);
  });

  it('rolls back when CTR drops 1.2% for two hourly windows, recording trigger, window, values and statistic', () => {
    const sim = simulate({
      spec,
      until: 49 * hour,
      traffic: traffic({ ctrDrop: during(3 * hour, 5 * hour, 0.012) }),
    });
    expect(sim.state.status).toBe('rolled_back');
    expect(sim.state.traffic).toBe(0);
    const [rollback] = effectsOf(sim.effects, 'rolledBack');
    expect(rollback).toMatchObject({
      at: t0 + 5 * hour + 5 * minute,
      cause: 'fail',
      metric: 'ctr',
      window: { index: 4, start: t0 + 4 * hour, end: t0 + 5 * hour },
    });
    expect(rollback?.statistic).toContain('katz-log');
    expect(rollback?.observed.estimate).toBeCloseTo(-0.012, 6);
    expect(rollback?.observed.value).toBeLessThanOrEqual(-0.01);
    expect(rollback?.observed.samples).toEqual({ candidate: 42_000_000, control: 42_000_000 });
  });

  it('does not roll back on one hour of a 1.2% drop (two are needed)', () => {
    const sim = simulate({
      spec,
      until: 49 * hour,
      traffic: traffic({ ctrDrop: during(3 * hour, 4 * hour, 0.012) }),
    });
    expect(sim.state.status).toBe('completed');
    expect(
      effectsOf(sim.effects, 'windowDecided').filter((w) => w.result.verdict === 'fail'),
    ).toHaveLength(1);
  });

  it('does not roll back on a 1.2% drop in one noisy window of too few samples: it pauses for a person', () => {
    const impressions = (from: number) =>
      from >= t0 + 3 * hour && from < t0 + 4 * hour ? 15_000 : 42_000_000;
    const sim = simulate({
      spec,
      until: 49 * hour,
      traffic: traffic({ impressions, ctrDrop: during(3 * hour, 5 * hour, 0.012) }),
    });
    expect(effectsOf(sim.effects, 'rolledBack')).toEqual([]);
    expect(sim.state.status).toBe('paused');
    expect(effectsOf(sim.effects, 'paused')).toEqual([
      { type: 'paused', at: t0 + 4 * hour + 5 * minute, cause: 'inconclusive', metrics: ['ctr'] },
    ]);
    const ctr = effectsOf(sim.effects, 'windowDecided').filter((w) => w.result.metric === 'ctr');
    expect(ctr[3]?.result).toMatchObject({ verdict: 'inconclusive', basis: 'minSamples' });
    // The hour after (a real 1.2% drop on full traffic) is one failing window of the two needed.
    expect(ctr[4]?.result.verdict).toBe('fail');
  });

  it('treats a 1.2% drop in a window with enough samples but a wide interval as noise', () => {
    const impressions = () => 400_000;
    const sim = simulate({
      spec,
      until: 49 * hour,
      traffic: traffic({ impressions, ctrDrop: during(3 * hour, 5 * hour, 0.012) }),
    });
    expect(sim.state.status).toBe('completed');
    const ctr = effectsOf(sim.effects, 'windowDecided').filter((w) => w.result.metric === 'ctr');
    expect(ctr[3]?.result.observed.estimate).toBeCloseTo(-0.012, 3);
    expect(ctr[3]?.result.verdict).toBe('pass');
  });

  it('fires the error-rate trigger after 15 minutes of ≥ 0.5% errors, not after 14', () => {
    const start = 2 * hour;
    const sim = simulate({
      spec,
      until: 49 * hour,
      every: minute,
      traffic: traffic({ errorRate: (from) => (from >= t0 + start ? 0.008 : 0.001) }),
    });
    const [rollback] = effectsOf(sim.effects, 'rolledBack');
    // Three 5-minute windows of breach, decided after the 5-minute lateness allowance.
    expect(rollback).toMatchObject({
      metric: 'error_rate',
      at: t0 + start + 15 * minute + 5 * minute,
      window: { start: t0 + start + 10 * minute },
    });
    const before = sim.log.filter((run) => run.now < t0 + start + 20 * minute);
    expect(before.flatMap((run) => effectsOf(run.effects, 'rolledBack'))).toEqual([]);
  });

  it('does not fire on 10 minutes of errors followed by recovery', () => {
    const sim = simulate({
      spec,
      until: 49 * hour,
      every: minute,
      traffic: traffic({
        errorRate: (from) =>
          from >= t0 + 2 * hour && from < t0 + 2 * hour + 10 * minute ? 0.02 : 0.001,
      }),
    });
    expect(sim.state.status).toBe('completed');
  });

  it('resumes after a person looks at an inconclusive pause, and then completes', () => {
    const impressions = (from: number) =>
      from >= t0 + 3 * hour && from < t0 + 4 * hour ? 15_000 : 42_000_000;
    let resumed = false;
    const sim = simulate({
      spec,
      until: 51 * hour,
      traffic: traffic({ impressions }),
      onRun: (s, now) => {
        if (s.state.status !== 'paused' || resumed || now < t0 + 6 * hour) return undefined;
        resumed = true;
        const next = reduceRollout(spec, s.state, { type: 'resume', at: now, actor: 'alice' });
        s.effects.push(...next.effects);
        return next.state;
      },
    });
    expect(effectsOf(sim.effects, 'resumed')).toEqual([
      { type: 'resumed', at: t0 + 6 * hour, actor: 'alice' },
    ]);
    expect(sim.state.status).toBe('completed');
    // Paused time (4h05 to 6h) does not count towards the canary's 48 h, which so end at 49h55;
    // the hourly window that began before then is decided at 50h05.
    expect(effectsOf(sim.effects, 'completed')[0]?.at).toBe(t0 + 50 * hour + 5 * minute);
  });
});
