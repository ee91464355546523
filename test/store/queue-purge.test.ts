/**
 * `queue.purge` on a big backlog: more settled outbox events than SQLite accepts bound variables
 * in one statement (32 766) and than PostgreSQL accepts parameters (65 535 is the wire limit;
 * 40 000 is past SQLite's). The purge must delete them all, keep the unsettled ones, and leave no
 * delivery rows behind.
 */
import { expect, it } from 'vitest';
import { scheduledJobHandlers } from '../../src/app/index.js';
import type { JobContext } from '../../src/app/shared/work-queue-ports.js';
import { openHarness } from '../app/state-fixtures.js';
import { eachEngine } from './engines.js';

const backlog = 40_001;
const old = '2026-01-01T00:00:00.000Z';
const cutoff = '2026-06-01T00:00:00.000Z';

eachEngine('queue purge', (engine) => {
  it(`purges ${backlog} settled outbox events with their deliveries, keeping the pending one`, async () => {
    const store = await engine.openStore();
    const { db } = engine.openDialect();
    const ids = Array.from({ length: backlog }, (_, i) => `evt-${String(i).padStart(6, '0')}`);
    for (let i = 0; i < ids.length; i += 2_000) {
      const rows = ids
        .slice(i, i + 2_000)
        .map((id) => ({ id, type: 'test.event', payload: '{}', created_at: old }));
      await db.insertInto('outbox').values(rows).execute();
      await db
        .insertInto('deliveries')
        .values(
          rows.map((row) => ({
            event_id: row.id,
            target: 'hook-1',
            status: 'delivered',
            attempts: 1,
            last_status_code: 200,
            last_error: null,
            last_duration_ms: 3,
            created_at: old,
          })),
        )
        .execute();
    }
    await db
      .insertInto('outbox')
      .values({ id: 'evt-pending', type: 'test.event', payload: '{}', created_at: old })
      .execute();
    await db
      .insertInto('deliveries')
      .values({
        event_id: 'evt-pending',
        target: 'hook-1',
        status: 'pending',
        attempts: 0,
        last_status_code: null,
        last_error: null,
        last_duration_ms: null,
        created_at: old,
      })
      .execute();

    // A bounded purge takes the oldest slice only (the queue.purge job loops over slices).
    expect(await store.transaction((tx) => tx.outbox.purgeSettledBefore(cutoff, 1_000))).toBe(
      1_000,
    );
    const purged = await store.transaction((tx) => tx.outbox.purgeSettledBefore(cutoff, backlog));

    expect(purged).toBe(backlog - 1_000);
    const left = await db.selectFrom('outbox').select('id').execute();
    expect(left.map((r) => r.id)).toEqual(['evt-pending']);
    const deliveries = await db.selectFrom('deliveries').select('event_id').execute();
    expect(deliveries.map((r) => r.event_id)).toEqual(['evt-pending']);
  }, 120_000);

  it('the queue.purge job drains a backlog in slices and completes in the last one', async () => {
    const h = await openHarness(engine);
    const { db } = engine.openDialect();
    const slice = Array.from({ length: 2_500 }, (_, i) => ({
      id: `evt-job-${String(i).padStart(5, '0')}`,
      type: 'test.event',
      payload: '{}',
      created_at: old,
    }));
    await db.insertInto('outbox').values(slice).execute();
    let completed = 0;
    const purges: { jobs: number; events: number }[] = [];
    const handlers = scheduledJobHandlers(h.deps, {
      signer: undefined as never,
      blobGraceSeconds: 0,
      keepUploadsSeconds: 0,
      queueRetentionSeconds: 0,
      onPurged: (purged) => purges.push(purged),
    });
    const context = {
      now: () => new Date(cutoff),
      completeIn: async () => {
        completed += 1;
      },
    } as unknown as JobContext;
    await handlers['queue.purge'](context);
    expect(completed).toBe(1);
    expect(purges).toHaveLength(1);
    expect(purges[0]?.events).toBeGreaterThanOrEqual(2_500);
    const left = await db
      .selectFrom('outbox')
      .select('id')
      .where('id', 'like', 'evt-job-%')
      .execute();
    expect(left).toStrictEqual([]);
  });
});
