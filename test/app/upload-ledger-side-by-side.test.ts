/**
 * Uploads of many users recorded in one batch (ADR 051: each names its user; ADR 052: running
 * totals), with a refusal among them that, on PostgreSQL, sends the whole batch round again in
 * savepoints. Each user's usage afterwards is what the test sent, counted in JavaScript, and one
 * user's uploads never pass the quota together.
 */
import { expect, it } from 'vitest';
import { recordUploads } from '../../src/app/registry/upload-quota.js';
import type { AppDeps } from '../../src/app/shared/app-deps.js';
import { uploadChargePerFile } from '../../src/domain/index.js';
import { forEachStore, person, type StoreHarness } from './harness.js';

const quota = { bytes: 1_000_000, windowSeconds: 3600 };

/** Runs `asked` while a write holds the write path, so that all of it shares one batch. */
async function inOneBatch<T>(h: StoreHarness, asked: () => Promise<T>): Promise<T> {
  const holding = h.store.transaction(() => new Promise((done) => setTimeout(done, 500)));
  const result = await asked();
  await holding;
  return result;
}

const bytesOf = (size: number) => new Uint8Array(size).fill(7);

forEachStore('uploads of many users in one batch', (open, engine) => {
  it('keeps every user’s totals exact when the batch runs again, and one user’s uploads apart', async () => {
    const h = await open();
    const deps: AppDeps = { ...h.deps, uploadQuota: quota };
    const runAgainBefore = h.store.writeStats?.().runAgain ?? 0;
    // Sizes per user, in the order asked. `over` asks for more than the quota and is refused
    // inside its transaction (after reading its usage). `racing` asks twice for 60% of the quota:
    // only one may pass.
    const asked: [string, number[]][] = [
      ['alice', [1_000, 2_500]],
      ['bob', [700]],
      ['over', [quota.bytes + 1]],
      ['alice', [3_000]],
      ['carol', [400, 400, 400]],
      ['racing', [600_000]],
      ['bob', [1_300]],
      ['racing', [600_000]],
    ];
    const settled = await inOneBatch(h, () =>
      Promise.allSettled(
        asked.map(([user, sizes]) =>
          recordUploads(
            deps,
            person(user, 'mlops'),
            sizes.map(bytesOf).map((bytes) => ({ bytes })),
          ),
        ),
      ),
    );
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
    ]);
    for (const k of [2, 7]) {
      expect((settled[k] as PromiseRejectedResult).reason).toMatchObject({
        code: 'quota_exceeded',
      });
    }
    // Each user's usage, as the ledger answers it, is what passed, counted here.
    const since = new Date(h.clock.now().getTime() - quota.windowSeconds * 1000).toISOString();
    const passed = asked.filter((_, k) => settled[k]?.status === 'fulfilled');
    for (const user of ['alice', 'bob', 'carol', 'racing', 'over']) {
      const sizes = passed.filter(([u]) => u === user).flatMap(([, s]) => s);
      const usage = await h.store.read((tx) => tx.blobUploads.usageSince(user, since));
      expect({ user, ...usage }).toEqual({
        user,
        files: sizes.length,
        bytes: sizes.reduce((sum, size) => sum + size, 0),
      });
    }
    // The premise of `racing`: one upload (with its per-file charge) fits the quota, two do not.
    expect(600_000 + uploadChargePerFile).toBeLessThanOrEqual(quota.bytes);
    expect(2 * (600_000 + uploadChargePerFile)).toBeGreaterThan(quota.bytes);
    // PostgreSQL ran the users' first uploads side by side, then, after `over` was refused among
    // them, the whole batch again in savepoints; SQLite ran each in turn.
    const runAgain = (h.store.writeStats?.().runAgain ?? 0) - runAgainBefore;
    if (engine === 'postgres') expect(runAgain).toBeGreaterThan(0);
    else expect(runAgain).toBe(0);
  });
});
