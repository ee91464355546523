/**
 * The outbox across real server processes (`clearance serve`, built): events committed while a
 * server is killed with SIGKILL mid-delivery are all delivered after a restart, and a receiver
 * that dedupes on `webhook-id` processes each exactly once; several servers on one PostgreSQL
 * deliver each event exactly once between them.
 */
import { mkdtempSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../src/app/shared/app-deps.js';
import type { Store } from '../../src/app/shared/ports.js';
import { createStore } from '../../src/store/index.js';
import { fixedClock, sequentialIds } from '../fakes/fixed-clock.js';
import { emitLike } from '../notify/delivery-harness.js';
import { type Receiver, startReceiver } from '../notify/receiver.js';
import { sampleEvents } from '../notify/sample-events.js';
import { databaseEnginesFor, type FreshPostgres, freshPostgresDatabase } from '../store/engines.js';
import { createClient } from './http-client.js';
import { bootstrapLiveAdmin, type LiveServer, serveLive } from './live-server.js';

const serverEnv = {
  CLEARANCE_NOTIFY_ALLOW_ADDRESSES: 'loopback',
  CLEARANCE_JOB_POLL_INTERVAL_SECONDS: '0.05',
  CLEARANCE_JOB_LEASE_SECONDS: '5',
  CLEARANCE_NOTIFY_RETRY_BASE_SECONDS: '1',
  CLEARANCE_NOTIFY_TIMEOUT_SECONDS: '30',
  // No events of the server's own (a signed checkpoint) beside the test's.
  CLEARANCE_CHECKPOINT_INTERVAL_SECONDS: '0',
};

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function databaseFor(name: string): Promise<FreshPostgres> {
  if (name === 'postgres') return freshPostgresDatabase();
  const file = join(mkdtempSync(join(tmpdir(), 'clearance-outbox-')), 'registry.db');
  return Promise.resolve({ url: `sqlite:${file}`, drop: async () => undefined });
}

async function openStore(url: string): Promise<Store> {
  const store = await createStore(
    url.startsWith('sqlite:')
      ? { engine: 'sqlite', file: url.slice('sqlite:'.length) }
      : { engine: 'postgres', url },
  );
  cleanups.push(() => store.close());
  return store;
}

/** Commits `n` events as a use case would (a transaction each), with unique ids; their ids. */
async function commitEvents(store: Store, n: number, prefix: string): Promise<string[]> {
  // emit needs only the store, ids and clock of AppDeps.
  const deps = {
    store,
    ids: sequentialIds(prefix),
    clock: fixedClock(new Date()),
  } as unknown as AppDeps;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(await emitLike(deps, sampleEvents[i % sampleEvents.length] ?? sampleEvents[0]!));
  }
  return ids;
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function subscribe(server: LiveServer, url: string): Promise<string> {
  const admin = createClient({ server: server.url, token: server.adminToken });
  const created = await admin.call<{ subscription: { id: string } }>('POST', '/api/v1/webhooks', {
    json: { url },
  });
  return created.subscription.id;
}

async function allDelivered(store: Store, ids: readonly string[]): Promise<boolean> {
  const lists = await store.read(async (tx) => {
    const out = [];
    for (const id of ids) out.push(await tx.deliveries.list(id));
    return out;
  });
  return lists.every((list) => list.length === 1 && list[0]?.status === 'delivered');
}

describe('outbox delivery across server processes', () => {
  for (const engine of databaseEnginesFor('outbox processes')) {
    it(`delivers every committed event after a kill -9, once per webhook-id [${engine}]`, async () => {
      const database = await databaseFor(engine);
      cleanups.push(() => database.drop());
      const dataDir = join(mkdtempSync(join(tmpdir(), 'clearance-outbox-data-')), 'data');
      const adminToken = await bootstrapLiveAdmin({ database: database.url, dataDir });
      // First the receiver takes requests and never answers, so the server dies mid-delivery.
      let answering = false;
      const hanging: ServerResponse[] = [];
      const processed = new Map<string, number>();
      const hook: Receiver = await startReceiver((index, response) => {
        if (!answering) {
          hanging.push(response);
          return;
        }
        const id = String(hook.received[index]?.headers['webhook-id']);
        // A receiver that dedupes on webhook-id processes each event once.
        if (!processed.has(id)) processed.set(id, index);
        response.end('ok');
      });
      cleanups.push(() => hook.close());
      const first = await serveLive({
        database: database.url,
        dataDir,
        adminToken,
        env: serverEnv,
      });
      cleanups.push(() => first.stop());
      await subscribe(first, hook.url);
      const store = await openStore(database.url);
      const ids = await commitEvents(store, 20, `${engine}-kill`);
      await until('the first delivery attempt', () => hook.received.length > 0);
      first.process.kill('SIGKILL');
      await until('the server to die', () => first.process.signalCode === 'SIGKILL');
      answering = true;
      for (const response of hanging) response.destroy();

      const second = await serveLive({
        database: database.url,
        dataDir,
        adminToken,
        env: serverEnv,
      });
      cleanups.push(() => second.stop());
      await until('every event delivered', () => allDelivered(store, ids), 90_000);
      expect(new Set(processed.keys())).toEqual(new Set(ids));
      const sent = hook.received.map((r) => String(r.headers['webhook-id']));
      expect(new Set(sent)).toEqual(new Set(ids));
      // Only what was in flight at the kill may arrive twice (at least once, deduped by id).
      expect(sent.length - ids.length).toBeLessThanOrEqual(hanging.length);
      // The restarted server counts its deliveries and their lag in /metrics.
      const metrics = await (
        await fetch(`${second.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })
      ).text();
      const delivered =
        /clearance_notification_deliveries_total\{channel="webhook",outcome="delivered"\} (\d+)/u.exec(
          metrics,
        );
      expect(Number(delivered?.[1])).toBeGreaterThan(0);
      const lag = /^clearance_notification_delivery_lag_seconds (\S+)$/mu.exec(metrics);
      expect(Number(lag?.[1])).toBeGreaterThan(0);
      await second.stop();
    }, 150_000);
  }

  const postgres = databaseEnginesFor('outbox processes').includes('postgres');
  it.skipIf(!postgres)(
    'three servers on one PostgreSQL deliver each event exactly once',
    async () => {
      const database = await freshPostgresDatabase();
      cleanups.push(() => database.drop());
      const dataDir = join(mkdtempSync(join(tmpdir(), 'clearance-outbox-data-')), 'data');
      const adminToken = await bootstrapLiveAdmin({ database: database.url, dataDir });
      const hook = await startReceiver((_, response) => response.end('ok'));
      cleanups.push(() => hook.close());
      const servers: LiveServer[] = [];
      for (let i = 0; i < 3; i++) {
        const server = await serveLive({
          database: database.url,
          dataDir,
          adminToken,
          env: serverEnv,
        });
        cleanups.push(() => server.stop());
        servers.push(server);
      }
      await subscribe(servers[0] as LiveServer, hook.url);
      const store = await openStore(database.url);
      const ids = await commitEvents(store, 40, 'pg-three');
      await until('every event delivered', () => allDelivered(store, ids), 90_000);
      const sent = hook.received.map((r) => String(r.headers['webhook-id']));
      expect(sent.sort()).toEqual([...ids].sort());
      for (const server of servers) await server.stop();
    },
    150_000,
  );
});
