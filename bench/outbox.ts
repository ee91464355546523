/**
 * Outbox benchmarks: events committed one per transaction (as use cases emit them) and delivered
 * to a local webhook receiver by the job runner (real clock, `clearance serve`'s handlers, a
 * 50 ms poll, 8 jobs at once): throughput in events/s from the first commit to the last delivery,
 * the latency of single events (commit to receipt, the runner idle) at p50 and p99, and a burst:
 * the same number of events committed before the runner starts (100 per transaction, as a
 * promotion fanning out), from its start to the last delivery. Beside them the ceiling, measured
 * in the same run: the receiver's own rate for the same signed POSTs sent by a plain loop, 8 at
 * once, with no database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AppDeps,
  bindUseCases,
  notificationJobHandlers,
  type Store,
} from '../src/app/index.js';
import { emit } from '../src/app/shared/emit-event.js';
import { systemClock, uuidV7 } from '../src/compose.js';
import { createJobRunner } from '../src/jobs/index.js';
import { createNotificationChannels, defaultRetrySchedule } from '../src/notify/index.js';
import { sendWebhook } from '../src/notify/webhook-sender.js';
import { createStore } from '../src/store/index.js';
import { withPostgresDatabase } from './registry.js';

export interface OutboxRow {
  engine: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Events committed before the runner started, drained, per second (absent in older runs). */
  burstPerSecond?: number;
  /** The same POSTs from a plain loop, 8 at once, no database: what the receiver takes. */
  ceilingPerSecond?: number;
}

const parallel = 8;

const admin = { id: 'bench.admin', kind: 'user' as const, roles: [{ role: 'admin' }] };

/** NumPy's default (linear) percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  const at = (sorted.length - 1) * p;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return (sorted[low] ?? 0) + ((sorted[high] ?? 0) - (sorted[low] ?? 0)) * (at - low);
}

function benchEvent(n: number) {
  return {
    type: 'gate.failed' as const,
    subject: { model: 'bench-model', version: String(n) },
    data: {
      model: 'bench-model',
      version: String(n),
      from: 'staging',
      to: 'production',
      decisionId: `dec_${n}`,
      failed: [{ gateId: 'auc', outcome: 'fail' as const, explanation: 'AUC below the bound.' }],
    },
  };
}

async function emitOne(deps: AppDeps, n: number): Promise<void> {
  await deps.store.transaction((tx) => emit(tx, deps, benchEvent(n)));
}

/** The receiver's rate for the runner's own kind of request: signed, a fresh connection each. */
async function ceiling(url: string, count: number): Promise<number> {
  const body = JSON.stringify({ type: 'gate.failed', data: { model: 'bench-model' } });
  const secrets = ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'];
  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (sent < count) {
        sent += 1;
        const id = `msg_ceiling_${sent}`;
        const result = await sendWebhook({
          url,
          id,
          body,
          secrets,
          policy: { allow: ['loopback'] },
        });
        if (result.outcome !== 'delivered') throw new Error(`Ceiling POST: ${result.error}`);
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function measure(engine: string, store: Store, input: { events: number; singles: number }) {
  const arrived = new Map<string, number>();
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      arrived.set(String(request.headers['webhook-id']), performance.now());
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const deps = {
    store,
    clock: systemClock,
    ids: uuidV7(),
    notifications: {
      channels: createNotificationChannels({
        policy: { allow: ['loopback'] },
        publicUrl: 'http://127.0.0.1',
        schedule: defaultRetrySchedule,
      }),
      rules: [],
      disableAfterFailures: 0,
      secretOverlapSeconds: 0,
    },
  } as unknown as AppDeps;
  const ceilingPerSecond = await ceiling(url, input.events);
  arrived.clear();
  await bindUseCases(deps).createWebhook(admin, { url });
  const makeRunner = () =>
    createJobRunner({
      store,
      clock: systemClock,
      // The one receiver stands in for a burst's many targets: it takes all 8 at once, as the
      // ceiling's loop sends them.
      handlers: notificationJobHandlers(deps, { perTargetConcurrency: parallel }),
      pollMs: 50,
      concurrency: parallel,
    });
  const until = async (count: number) => {
    while (arrived.size < count) await new Promise((resolve) => setTimeout(resolve, 2));
  };
  // The burst first: committed while no runner runs, then drained.
  const burst = 100;
  for (let n = 0; n < input.events; n += burst) {
    await store.transaction(async (tx) => {
      for (let k = n; k < Math.min(n + burst, input.events); k++)
        await emit(tx, deps, benchEvent(-1 - k));
    });
  }
  const burstRunner = makeRunner();
  const burstStarted = performance.now();
  await burstRunner.start();
  await until(input.events);
  const burstPerSecond = input.events / ((performance.now() - burstStarted) / 1000);
  await burstRunner.stop();
  arrived.clear();
  const runner = makeRunner();
  try {
    await runner.start();
    const started = performance.now();
    for (let n = 0; n < input.events; n++) await emitOne(deps, n);
    await until(input.events);
    const seconds = (performance.now() - started) / 1000;
    const latencies: number[] = [];
    for (let n = 0; n < input.singles; n++) {
      const before = arrived.size;
      const committedAt = performance.now();
      await emitOne(deps, input.events + n);
      await until(before + 1);
      latencies.push(([...arrived.values()].at(-1) ?? committedAt) - committedAt);
    }
    latencies.sort((a, b) => a - b);
    return {
      engine,
      events: input.events,
      seconds,
      eventsPerSecond: input.events / seconds,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      burstPerSecond,
      ceilingPerSecond,
    };
  } finally {
    await runner.stop();
    server.closeAllConnections();
    server.close();
  }
}

export async function runOutboxBench(options: {
  pgUrl: string;
  events: number;
  singles: number;
}): Promise<OutboxRow[]> {
  const rows: OutboxRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'clearance-bench-outbox-'));
  try {
    const sqlite = await createStore({ engine: 'sqlite', file: join(dir, 'outbox.db') });
    try {
      rows.push(await measure('sqlite', sqlite, options));
    } finally {
      await sqlite.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pgRow = await withPostgresDatabase(options.pgUrl, async (url) => {
    const store = await createStore({ engine: 'postgres', url });
    try {
      return await measure('postgres', store, options);
    } finally {
      await store.close();
    }
  });
  if (pgRow) rows.push(pgRow);
  return rows;
}

export function outboxTable(rows: readonly OutboxRow[]): string {
  const lines = [
    '| engine | events | seconds | events/s (commit → delivered) | burst events/s (committed, then drained) | ceiling: receiver POSTs/s, no database | burst ÷ ceiling | latency p50 ms | latency p99 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const fixed = (value: number | undefined, digits: number) =>
    value === undefined ? '' : value.toFixed(digits);
  for (const r of rows) {
    const share =
      r.burstPerSecond === undefined || r.ceilingPerSecond === undefined
        ? undefined
        : r.burstPerSecond / r.ceilingPerSecond;
    lines.push(
      `| ${r.engine} | ${r.events} | ${r.seconds.toFixed(2)} | ${r.eventsPerSecond.toFixed(1)} | ${fixed(r.burstPerSecond, 1)} | ${fixed(r.ceilingPerSecond, 1)} | ${fixed(share, 2)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}
