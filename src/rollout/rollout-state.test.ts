import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RolloutSpec } from '../domain/policy.js';
import { isTerminal, type RolloutEvent, reduceRollout, startRollout } from './rollout-state.js';
import type { WindowResult, WindowVerdict } from './window-result.js';

const minute = 60_000;

const spec: RolloutSpec = {
  steps: [
    { traffic: 5, duration: '30m' },
    { traffic: 25, duration: '1h' },
  ],
  triggers: [
    {
      metric: 'error_rate',
      series: 'error_rate',
      statistic: 'rate',
      compare: 'absolute',
      confidence: 0.95,
      op: '>=',
      threshold: 0.005,
      period: '10m',
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissing: 'missing',
      minSamples: 0,
    },
  ],
  consecutiveErrorLimit: 4,
  lateness: '5m',
};

function result(index: number, verdict: WindowVerdict): WindowResult {
  const start = index * 10 * minute;
  return {
    trigger: 0,
    metric: 'error_rate',
    window: { index, start, end: start + 10 * minute },
    decidedAt: start + 15 * minute,
    verdict,
    basis: 'data',
    observed: { statistic: 'rate', samples: { candidate: 1 } },
    op: '>=',
    threshold: 0.005,
    explanation: '',
  };
}

describe('reduceRollout (property)', () => {
  const action = fc.oneof(
    fc.record({
      kind: fc.constant('window' as const),
      verdict: fc.constantFrom<WindowVerdict>('pass', 'fail', 'inconclusive', 'error', 'skipped'),
    }),
    fc.record({
      kind: fc.constantFrom(
        'tick' as const,
        'pause' as const,
        'resume' as const,
        'promote' as const,
        'abort' as const,
      ),
    }),
  );

  it('never leaves a final state, keeps traffic to the steps, 0 or 100, and moves time forward', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(action, fc.integer({ min: 0, max: 20 })), { maxLength: 60 }),
        (actions) => {
          let { state } = startRollout(spec, 0);
          let now = 0;
          let window = 0;
          for (const [a, gap] of actions) {
            now += gap * minute;
            let event: RolloutEvent;
            if (a.kind === 'window') {
              now = Math.max(now, window * 10 * minute + 15 * minute);
              event = { type: 'windowsDecided', at: now, results: [result(window++, a.verdict)] };
            } else if (a.kind === 'tick') event = { type: 'tick', at: now };
            else event = { type: a.kind, at: now, actor: 'p' };
            const before = state;
            const next = reduceRollout(spec, state, event);
            if (isTerminal(before.status)) {
              expect(next).toEqual({ state: before, effects: [] });
              window -= a.kind === 'window' ? 1 : 0;
            }
            state = next.state;
            expect([0, 5, 25, 100]).toContain(state.traffic);
            expect(state.traffic === 0).toBe(
              state.status === 'rolled_back' || state.status === 'aborted',
            );
            expect(state.traffic === 100).toBe(state.status === 'completed');
            for (const effect of next.effects)
              if ('at' in effect) expect(effect.at).toBeLessThanOrEqual(now);
          }
        },
      ),
    );
  });

  it('rolls back on two failing windows of two, from running or paused', () => {
    let { state } = startRollout(spec, 0);
    state = reduceRollout(spec, state, { type: 'pause', at: minute, actor: 'p' }).state;
    state = reduceRollout(spec, state, {
      type: 'windowsDecided',
      at: 15 * minute,
      results: [result(0, 'fail')],
    }).state;
    expect(state.status).toBe('paused');
    const next = reduceRollout(spec, state, {
      type: 'windowsDecided',
      at: 25 * minute,
      results: [result(1, 'fail')],
    });
    expect(next.state.status).toBe('rolled_back');
    expect(next.effects.at(-1)).toMatchObject({
      type: 'rolledBack',
      cause: 'fail',
      metric: 'error_rate',
      window: { index: 1 },
    });
  });

  it('refuses a window decided out of order (a bug in the caller)', () => {
    const { state } = startRollout(spec, 0);
    expect(() =>
      reduceRollout(spec, state, {
        type: 'windowsDecided',
        at: 25 * minute,
        results: [result(1, 'pass')],
      }),
    ).toThrow(/out of order/);
  });
});

describe('an experiment', () => {
  it('holds its last step instead of completing, and takes no promote-now', () => {
    const started = startRollout(spec, 0, { experiment: true });
    const passes = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => result(i, 'pass'));
    let state = started.state;
    for (const r of passes) {
      state = reduceRollout(spec, state, {
        type: 'windowsDecided',
        at: r.decidedAt,
        results: [r],
      }).state;
    }
    const late = reduceRollout(spec, state, { type: 'tick', at: 10 * 60 * minute });
    expect(late.state).toMatchObject({ status: 'running', traffic: 25, experiment: true });
    expect(late.effects.some((e) => e.type === 'completed')).toBe(false);
    const promoted = reduceRollout(spec, late.state, {
      type: 'promote',
      at: 11 * 60 * minute,
      actor: 'p',
    });
    expect(promoted.state.status).toBe('running');
    expect(promoted.effects.filter((e) => e.type === 'completed')).toEqual([]);
    // The same windows complete a standard rollout.
    let standard = startRollout(spec, 0).state;
    for (const r of passes) {
      standard = reduceRollout(spec, standard, {
        type: 'windowsDecided',
        at: r.decidedAt,
        results: [r],
      }).state;
    }
    expect(standard.status).toBe('completed');
  });
});
