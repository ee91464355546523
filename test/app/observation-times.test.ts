/**
 * A KPI point's `at` is RFC 3339 with its offset, as the docs say: a stamp without one (read in
 * the server's time zone) or an impossible date (rolled over by the JavaScript parser) would put
 * the point in another window than the reporter meant, so it is refused and nothing is stored.
 */
import { expect, it } from 'vitest';
import { ingestObservations } from '../../src/app/index.js';
import type { ClearanceError } from '../../src/domain/index.js';
import { forEachStore, people } from './harness.js';
import { minute, startRecommenderCanary } from './rollout-fixture.js';

forEachStore('observation times', (open) => {
  it('refuses a point stamped without an offset or on an impossible date, storing nothing', async () => {
    const h = await open();
    const { rolloutId, startedAt } = await startRecommenderCanary(h);
    h.clock.set(new Date(startedAt + 10 * minute));
    const iso = new Date(startedAt + 5 * minute).toISOString();
    const local = iso.slice(0, 16); // 2026-…T10:35: no seconds, no offset
    const spelled = new Date(startedAt + 5 * minute).toString(); // "Sat Dec 05 2026 …"
    const year = iso.slice(0, 4);
    const impossible = `${year}-02-30T00:00:00Z`;
    for (const at of [local, `${iso.slice(0, 19)}`, spelled, iso.slice(0, 10), impossible]) {
      const error = await ingestObservations(h.deps, people.mlops, {
        rolloutId,
        batchId: `b-${at.replace(/[^A-Za-z0-9]/g, '')}`,
        points: [{ series: 'error_rate', arm: 'candidate', at, successes: 1, trials: 1000 }],
      }).then(
        () => undefined,
        (e: unknown) => e as ClearanceError,
      );
      expect(error?.code, at).toBe('invalid_input');
      expect(error?.message, at).toContain('is not an RFC 3339 time');
    }
    expect(await h.store.read((tx) => tx.rollouts.points(rolloutId))).toEqual([]);
    // With its offset, the same instant is taken.
    const ok = await ingestObservations(h.deps, people.mlops, {
      rolloutId,
      batchId: 'b-ok',
      points: [
        { series: 'error_rate', arm: 'candidate', at: iso, successes: 1, trials: 1000 },
        {
          series: 'error_rate',
          arm: 'candidate',
          at: `${iso.slice(0, 19)}+00:00`,
          successes: 1,
          trials: 1000,
        },
      ],
    });
    expect(ok.accepted).toBe(2);
  });
});
