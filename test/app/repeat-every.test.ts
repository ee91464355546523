import { describe, expect, it } from 'vitest';
import { repeatEvery } from '../../src/app/shared/repeat-every.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('repeatEvery', () => {
  it('never runs two jobs at once, keeps going after a failure, and stop waits for a running job', async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    const errors: unknown[] = [];
    const stop = repeatEvery({
      intervalMs: 5,
      runNow: true,
      onError: (error) => errors.push(error),
      job: async () => {
        active += 1;
        most = Math.max(most, active);
        runs += 1;
        await sleep(20);
        active -= 1;
        if (runs === 1) throw new Error('first run fails');
      },
    });
    await sleep(120);
    await stop();
    const after = runs;
    await sleep(40);
    expect(most).toBe(1);
    expect(errors).toHaveLength(1);
    expect(runs).toBeGreaterThan(1);
    expect(runs).toBe(after);
    expect(active).toBe(0);
  });

  it('runs nothing for an interval of 0', async () => {
    let runs = 0;
    const stop = repeatEvery({
      intervalMs: 0,
      runNow: true,
      job: async () => {
        runs += 1;
      },
    });
    await sleep(20);
    await stop();
    expect(runs).toBe(0);
  });
});
