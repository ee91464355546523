import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { repeatEvery } from '../../src/app/shared/repeat-every.js';

// Fake timers: the loop's ticks and the jobs' own waits move only when the test moves the clock,
// so what ran by when does not depend on how busy the machine is.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('repeatEvery', () => {
  it('never runs two jobs at once, keeps going after a failure, and stop waits for a running job', async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    const errors: unknown[] = [];
    let release = () => {};
    const fourthHeld = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stop = repeatEvery({
      intervalMs: 5,
      runNow: true,
      onError: (error) => errors.push(error),
      job: async () => {
        active += 1;
        most = Math.max(most, active);
        runs += 1;
        // Slower than the interval, so ticks come while a run is going; the fourth run holds
        // until the test lets it go.
        await (runs === 4 ? fourthHeld : sleep(20));
        active -= 1;
        if (runs === 1) throw new Error('first run fails');
      },
    });
    await vi.advanceTimersByTimeAsync(200);
    expect(runs).toBe(4);
    expect(active).toBe(1);
    let stopped = false;
    const stopping = stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(active).toBe(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(most).toBe(1);
    expect(errors).toHaveLength(1);
    expect(runs).toBe(4);
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
    await vi.advanceTimersByTimeAsync(100);
    await stop();
    expect(runs).toBe(0);
  });
});
