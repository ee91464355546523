/**
 * The work queue across server processes: three runners on one PostgreSQL claim each job once and
 * run a recurring job once per period; three processes running the server's scheduled jobs
 * (every kind of scheduledJobHandlers) run each period once, act on an emergency once and expire a forgotten request once; a runner killed with SIGKILL while holding a job loses it to another once its
 * lease expires (on both engines).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppDeps, requestTransition, type Store } from '../../src/app/index.js';
import { apiTokenIssuer } from '../../src/auth/index.js';
import { loadAuditSigner } from '../../src/compose.js';
import { loadConfig } from '../../src/config.js';
import { FileBlobStore } from '../../src/evidence/file-blob-store.js';
import { InProcessGateRunner } from '../../src/gate-runs/index.js';
import { createJobRunner } from '../../src/jobs/index.js';
import { createStore, type StoreConfig } from '../../src/store/index.js';
import { addVersion, people, type StoreHarness } from '../app/harness.js';
import { fixedClock, sequentialIds } from '../fakes/fixed-clock.js';
import { executedHotfix } from '../http/review-fixture.js';
import {
  eachEngine,
  type FreshPostgres,
  freshPostgresDatabase,
  postgresForSuite,
} from '../store/engines.js';

const child = new URL('./runner-child.ts', import.meta.url).pathname;
const scheduledChild = new URL('./scheduled-child.ts', import.meta.url).pathname;

interface Line {
  worker: string;
  ready?: boolean;
  expired?: { requestId: string; outcome: string }[];
  requestsExpired?: { requestId: string; previousStatus: string }[];
  escalated?: { requestId: string; sent: string }[];
  claimed?: string;
  kind?: string;
  key?: string;
  scheduledAt?: string;
}

interface Runner {
  process: ChildProcess;
  lines: Line[];
  exited: Promise<number | null>;
}

function startRunner(config: StoreConfig, worker: string, mode: 'work' | 'hang'): Runner {
  return startChild([child, JSON.stringify(config), worker, mode]);
}

function startChild(args: string[]): Runner {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Line[] = [];
  createInterface({ input: proc.stdout }).on('line', (line) =>
    lines.push(JSON.parse(line) as Line),
  );
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { process: proc, lines, exited };
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const ends = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > ends) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const title = 'job runners in three processes on one PostgreSQL';
describe.skipIf(!postgresForSuite(title))(title, () => {
  let database: FreshPostgres;
  let store: Store;
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    store = await createStore({ engine: 'postgres', url: database.url });
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('runs each job exactly once and the recurring job once per period', async () => {
    const config: StoreConfig = { engine: 'postgres', url: database.url };
    const runners = ['p1', 'p2', 'p3'].map((worker) => startRunner(config, worker, 'work'));
    try {
      await until(() => runners.every((r) => r.lines.some((l) => l.ready)), 60_000, 'runners');
      const at = new Date().toISOString();
      const keys = Array.from({ length: 150 }, (_, i) => `work-${String(i).padStart(3, '0')}`);
      await store.transaction(async (tx) => {
        for (const key of keys)
          await tx.jobs.schedule({ kind: 'test.work', key, runAt: at }, { at });
      });
      const done = (kind: string) => runners.flatMap((r) => r.lines.filter((l) => l.kind === kind));
      await until(() => done('test.work').length >= keys.length, 60_000, 'the jobs');
      // Four more periods of the 300 ms tick with all three competing, counted, not slept: a
      // loaded machine may run fewer of them in any fixed time.
      const ticks = () => done('test.tick').length;
      const seen = ticks();
      await until(() => ticks() >= seen + 4, 60_000, 'four more ticks');
    } finally {
      for (const r of runners) r.process.kill('SIGTERM');
    }
    expect(await Promise.all(runners.map((r) => r.exited))).toStrictEqual([0, 0, 0]);
    const work = runners.flatMap((r) => r.lines.filter((l) => l.kind === 'test.work'));
    expect(work.map((l) => l.key).sort()).toStrictEqual(
      Array.from({ length: 150 }, (_, i) => `work-${String(i).padStart(3, '0')}`),
    );
    expect(new Set(work.map((l) => l.worker)).size).toBeGreaterThan(1);
    const ticks = runners.flatMap((r) => r.lines.filter((l) => l.kind === 'test.tick'));
    const periods = ticks.map((l) => l.scheduledAt ?? '');
    expect(new Set(periods).size).toBe(periods.length);
    expect(periods.length).toBeGreaterThanOrEqual(4);
    await store.read(async (tx) => {
      for (const line of work) {
        expect((await tx.jobs.find(line.key ?? ''))?.outcome).toBe('succeeded');
        expect(await tx.outbox.get(`ran:${line.key}`)).toMatchObject({
          payload: { worker: line.worker },
        });
      }
    });
  }, 120_000);
});

/**
 * An emergency hotfix executed on 2026-03-01 (simulated), so on the real clock its bypass has
 * expired and its post-incident review is overdue, and a request opened then and never decided,
 * long past its 14-day lifetime: the first emergency.expire, reviews.escalate and requests.expire
 * runs have work to do, and must do it once.
 */
async function seedOverdueEmergency(
  url: string,
  blobDir: string,
): Promise<{ requestId: string; forgotten: string }> {
  const store = await createStore({ engine: 'postgres', url });
  try {
    const blobs = new FileBlobStore(blobDir);
    const clock = fixedClock();
    const deps: AppDeps = {
      store,
      blobs,
      gateRunner: new InProcessGateRunner(blobs),
      clock,
      ids: sequentialIds('seed'),
      tokens: apiTokenIssuer,
    };
    const refuse = () => Promise.reject(new Error('not in this test'));
    const h: StoreHarness = {
      engine: 'postgres',
      deps,
      store,
      blobs,
      clock,
      tamperBlob: refuse,
      tamperPolicy: refuse,
    };
    const requestId = await executedHotfix(h);
    await addVersion(h, {
      model: 'credit-risk-pd',
      version: '2026.9',
      dir: 'credit-risk/baseline',
    });
    const { request } = await requestTransition(deps, people.owner, {
      model: 'credit-risk-pd',
      version: '2026.9',
      to: 'staging',
      reason: 'Forgotten in review',
    });
    return { requestId, forgotten: request.id };
  } finally {
    await store.close();
  }
}

const scheduledKinds = [
  'checkpoint.sign',
  'state.check',
  'blobs.collect',
  'queue.purge',
  'emergency.expire',
  'requests.expire',
  'reviews.escalate',
  'rollout.evaluate',
];
const scheduledTitle = 'the scheduled jobs in three server processes on one PostgreSQL';
describe.skipIf(!postgresForSuite(scheduledTitle))(scheduledTitle, () => {
  it('runs each period of every scheduled job (checkpoint.sign, state.check, blobs.collect, queue.purge, emergency.expire, requests.expire, reviews.escalate, rollout.evaluate) exactly once', async () => {
    const database = await freshPostgresDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'clearance-scheduled-'));
    const blobDir = join(dir, 'blobs');
    const dataDir = join(dir, 'data');
    // One signing key for all three, made before they start (servers on one database share it).
    loadAuditSigner(loadConfig({ env: {}, flags: { dataDir } }));
    const { requestId, forgotten } = await seedOverdueEmergency(database.url, blobDir);
    const runners = ['s1', 's2', 's3'].map((worker) =>
      startChild([scheduledChild, database.url, blobDir, dataDir, worker, '400']),
    );
    try {
      // Five job kinds' handlers to load in each of three processes: on a loaded machine this
      // took over a minute.
      await until(() => runners.every((r) => r.lines.some((l) => l.ready)), 150_000, 'runners');
      // Several periods of each job with all three competing (however slow the machine is).
      const runs = (kind: string) => runners.flatMap((r) => r.lines.filter((l) => l.kind === kind));
      await until(() => scheduledKinds.every((kind) => runs(kind).length >= 4), 90_000, 'periods');
    } finally {
      for (const r of runners) r.process.kill('SIGTERM');
    }
    try {
      expect(await Promise.all(runners.map((r) => r.exited))).toStrictEqual([0, 0, 0]);
      const lines = runners.flatMap((r) => r.lines);
      for (const kind of scheduledKinds) {
        const periods = lines.filter((l) => l.kind === kind).map((l) => l.scheduledAt ?? '');
        expect(new Set(periods).size, kind).toBe(periods.length);
        expect(periods.length, kind).toBeGreaterThanOrEqual(4);
      }
      expect(new Set(lines.filter((l) => l.kind).map((l) => l.worker)).size).toBeGreaterThan(1);
      expect(lines.flatMap((l) => l.expired ?? [])).toStrictEqual([
        { requestId, outcome: 'rolled_back' },
      ]);
      expect(lines.flatMap((l) => l.requestsExpired ?? [])).toStrictEqual([
        { requestId: forgotten, previousStatus: 'pending' },
      ]);
      expect(lines.flatMap((l) => l.escalated ?? [])).toStrictEqual([
        { requestId, sent: 'review.overdue' },
      ]);
      const store = await createStore({ engine: 'postgres', url: database.url });
      try {
        const entries = await store.read((tx) =>
          tx.audit.aboutSubject({ type: 'request', id: requestId }, [
            'review.escalated',
            'review.reminded',
          ]),
        );
        expect(entries.map((e) => e.action)).toStrictEqual(['review.escalated']);
        const rollbacks: unknown[] = [];
        await store.read(async (tx) => {
          for await (const e of tx.audit.withActions(['rollback.executed'])) rollbacks.push(e);
        });
        expect(rollbacks).toHaveLength(1);
        const expiries = await store.read((tx) =>
          tx.audit.aboutSubject({ type: 'request', id: forgotten }, ['transition.expired']),
        );
        expect(expiries).toHaveLength(1);
        expect(await store.read((tx) => tx.requests.get(forgotten))).toMatchObject({
          status: 'expired',
        });
      } finally {
        await store.close();
      }
    } finally {
      await database.drop();
    }
  }, 300_000);
});

eachEngine('a runner killed while holding a job', (engine) => {
  it('loses the job to another runner once its lease expires', async () => {
    const store = await engine.openStore();
    const at = new Date().toISOString();
    await store.transaction((tx) =>
      tx.jobs.schedule({ kind: 'test.hang', key: 'hang', runAt: at }, { at }),
    );
    const doomed = startRunner(engine.config(), 'doomed', 'hang');
    try {
      await until(() => doomed.lines.some((l) => l.claimed === 'hang'), 60_000, 'the claim');
    } finally {
      doomed.process.kill('SIGKILL');
    }
    expect(await doomed.exited).toBeNull();
    // From the claim's own lease, not this process's clock: however long the kill took, the
    // survivor looks just before and just after the lease's end.
    const claimed = await store.read((tx) => tx.jobs.find('hang'));
    const clock = fixedClock(new Date(Date.parse(claimed?.lockedUntil ?? '') - 1));
    const ran: number[] = [];
    const survivor = createJobRunner({
      store,
      clock,
      handlers: { 'test.hang': async ({ job }) => void ran.push(job.attempts) },
    });
    // The lease (10 s from the claim) still holds.
    expect(await survivor.runDue()).toBe(0);
    clock.advance(501);
    expect(await survivor.runDue()).toBe(1);
    expect(ran).toStrictEqual([2]);
    expect(await store.read((tx) => tx.jobs.find('hang'))).toMatchObject({ outcome: 'succeeded' });
  }, 90_000);
});
